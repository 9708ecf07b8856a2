// Users on PostgreSQL: the UserStore part of the PostgreSQL store.

import type { Clock } from "gatehouse-auth-core/clock";
import { AuthError } from "gatehouse-auth-core/errors";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import { canonicalUsername } from "gatehouse-auth-core/users/canonical-username";
import type {
  NewUser,
  UserPatch,
  UserRecord,
  UserStore,
  UserWriteGuard,
} from "gatehouse-auth-core/users/user";
import { enforceWriteGuard, isActiveHolder } from "gatehouse-auth-core/users/user-write-guard";
import { z } from "zod";
import { groupCaseCollisions, pickLoginUser } from "../rows/canonical-username-rows.ts";
import { userChanged } from "../rows/change-event-row.ts";
import { parseRow } from "../rows/parse-row.ts";
import type { AppendPostgresChange } from "./change-feed.ts";
import type { Queryable } from "./pool.ts";
import { bigintNumber, sqlState, sqlStateOf } from "./rows.ts";

const userRow = z.object({
  username: z.string(),
  email: z.string().nullable(),
  full_name: z.string().nullable(),
  disabled: z.boolean(),
  scopes: z.array(z.string()),
  password_hash: z.string().min(1),
  created_at: bigintNumber,
  updated_at: bigintNumber,
  tokens_valid_after: bigintNumber.nullable(),
});

const countRow = z.object({ count: bigintNumber });

/** The columns of `users` every PostgreSQL query reading a whole user selects, in one place. */
export const postgresUserColumns =
  "username, email, full_name, disabled, scopes, password_hash, created_at, updated_at, tokens_valid_after";
const userColumns = postgresUserColumns;

/** Reads one whole `users` row. @throws {TypeError} when the row breaks its schema */
export function readPostgresUser(row: unknown): UserRecord {
  const user = parseRow(userRow, row, "users");
  return {
    username: user.username,
    email: user.email,
    fullName: user.full_name,
    disabled: user.disabled,
    scopes: user.scopes,
    // The one place a stored string becomes a PasswordHash here: it passed userRow just above,
    // and only a hasher's output is ever written to this column.
    passwordHash: user.password_hash as PasswordHash,
    createdAt: user.created_at,
    updatedAt: user.updated_at,
    tokensValidAfter: user.tokens_valid_after,
  };
}

function takenError(cause?: unknown): AuthError {
  return new AuthError(
    "username_taken",
    "a user with this username, or one differing only by case, exists",
    cause === undefined ? undefined : { cause },
  );
}

// One statement for every patch shape: a flag per field says whether the patch sets it.
const patchUser = `UPDATE users SET
    email = CASE WHEN $2::boolean THEN $3::text ELSE email END,
    full_name = CASE WHEN $4::boolean THEN $5::text ELSE full_name END,
    disabled = CASE WHEN $6::boolean THEN $7::boolean ELSE disabled END,
    scopes = CASE WHEN $8::boolean THEN $9::text[] ELSE scopes END,
    password_hash = CASE WHEN $10::boolean THEN $11::text ELSE password_hash END,
    tokens_valid_after = CASE WHEN NOT $13::boolean THEN tokens_valid_after
      WHEN $14::bigint IS NULL THEN NULL
      ELSE GREATEST(tokens_valid_after, $14::bigint) END,
    updated_at = $12::bigint
  WHERE username = $1
  RETURNING ${userColumns}`;

/** Runs `work` in one transaction: the pool's, or the one `db` already is. */
export type InTransaction = <T>(work: (tx: Queryable) => Promise<T>) => Promise<T>;

// Locks the target's row and every active holder's row of `scope`, in username order (so two
// guarded writes cannot deadlock), and returns them as they are now. A guarded write of another
// transaction waits here until this one commits, then sees what it wrote: of two holders removing
// each other, the second finds the first no longer holds the scope.
async function lockHolders(
  tx: Queryable,
  username: string,
  scope: string | null,
): Promise<readonly UserRecord[]> {
  return (
    await tx.rows(
      `SELECT ${userColumns} FROM users
       WHERE username = $1 OR (NOT disabled AND $2::text = ANY(scopes))
       ORDER BY username FOR UPDATE`,
      [username, scope],
    )
  ).map(readPostgresUser);
}

/**
 * The user part of the PostgreSQL store, running on `db` — the pool, or a transaction when the
 * writes must commit together with others (see `postgres-seed.ts`). Every write appends its
 * change event with `appendChange` in its own transaction.
 *
 * @throws {AuthError} username_taken from `createUser` when the username exists
 * @throws {AuthError} user_not_found from `updateUser` when the user does not exist
 */
export function createPostgresUsers(
  db: Queryable,
  clock: Clock,
  appendChange: AppendPostgresChange,
): UserStore {
  // With a guard, checks it against the rows it locks in the write's own transaction, so no
  // concurrent write can change what the guard saw before this one commits.
  const checkGuard = async (
    tx: Queryable,
    username: string,
    guard: UserWriteGuard | undefined,
    patch: UserPatch | undefined,
  ): Promise<void> => {
    if (guard === undefined) return;
    const rows = await lockHolders(tx, username, guard.keepActiveHolderOf ?? null);
    const current = rows.find((row) => row.username === username);
    enforceWriteGuard(guard, username, current, patch, (scope) =>
      rows.some((row) => row.username !== username && isActiveHolder(row, scope)),
    );
  };

  return {
    async findByUsername(username: string): Promise<UserRecord | undefined> {
      const [row] = await db.rows(`SELECT ${userColumns} FROM users WHERE username = $1`, [
        username,
      ]);
      return row === undefined ? undefined : readPostgresUser(row);
    },

    async findByLogin(name: string): Promise<UserRecord | undefined> {
      // The exact name first; two rows without it are an old collision a login cannot choose in.
      const rows = await db.rows(
        `SELECT ${userColumns} FROM users WHERE canonical_username = $1
         ORDER BY username = $2 DESC, username LIMIT 2`,
        [canonicalUsername(name), name],
      );
      return pickLoginUser(name, rows.map(readPostgresUser));
    },

    async findCaseCollisions(): Promise<readonly (readonly string[])[]> {
      return groupCaseCollisions(
        await db.rows(
          `SELECT canonical_username, username FROM users WHERE canonical_username IN (
             SELECT canonical_username FROM users WHERE case_collision
             GROUP BY canonical_username HAVING count(*) > 1)
           ORDER BY canonical_username, username`,
        ),
      );
    },

    async createUser(user: NewUser): Promise<UserRecord> {
      const now = clock.now();
      try {
        // Inserts nothing when any user, even one marked as an old collision, holds the canonical
        // form; the partial unique index refuses two new users sharing one.
        return await db.transaction(async (tx) => {
          const [row] = await tx.rows(
            `INSERT INTO users (${userColumns}, canonical_username)
           SELECT $1::text, $2::text, $3::text, $4::boolean, $5::text[], $6::text, $7::bigint,
                  $8::bigint, NULL::bigint, $9::text
           WHERE NOT EXISTS (SELECT 1 FROM users WHERE canonical_username = $9::text)
           RETURNING ${userColumns}`,
            [
              user.username,
              user.email ?? null,
              user.fullName ?? null,
              user.disabled === true,
              [...(user.scopes ?? [])],
              user.passwordHash,
              now,
              now,
              canonicalUsername(user.username),
            ],
          );
          if (row === undefined) throw takenError();
          const created = readPostgresUser(row);
          await appendChange(tx, userChanged(created));
          return created;
        });
      } catch (error) {
        if (sqlStateOf(error) === sqlState.uniqueViolation) {
          throw takenError(error);
        }
        throw error;
      }
    },

    async updateUser(
      username: string,
      patch: UserPatch,
      guard?: UserWriteGuard,
    ): Promise<UserRecord> {
      return db.transaction(async (tx) => {
        await checkGuard(tx, username, guard, patch);
        const [row] = await tx.rows(patchUser, [
          username,
          patch.email !== undefined,
          patch.email ?? null,
          patch.fullName !== undefined,
          patch.fullName ?? null,
          patch.disabled !== undefined,
          patch.disabled === true,
          patch.scopes !== undefined,
          patch.scopes === undefined ? null : [...patch.scopes],
          patch.passwordHash !== undefined,
          patch.passwordHash ?? null,
          clock.now(),
          patch.tokensValidAfter !== undefined,
          patch.tokensValidAfter ?? null,
        ]);
        if (row === undefined) throw new AuthError("user_not_found", "no user with this username");
        const updated = readPostgresUser(row);
        await appendChange(tx, userChanged(updated));
        return updated;
      });
    },

    async deleteUser(username: string, guard?: UserWriteGuard): Promise<boolean> {
      // Items go with the user: items.owner is ON DELETE CASCADE.
      return db.transaction(async (tx) => {
        await checkGuard(tx, username, guard, undefined);
        if ((await tx.run("DELETE FROM users WHERE username = $1", [username])) === 0) return false;
        await appendChange(tx, { kind: "user_deleted", username });
        return true;
      });
    },

    async upgradePasswordHash(
      username: string,
      verified: PasswordHash,
      upgraded: PasswordHash,
    ): Promise<boolean> {
      const changed = await db.run(
        `UPDATE users SET password_hash = $3, updated_at = $4
         WHERE username = $1 AND password_hash = $2`,
        [username, verified, upgraded, clock.now()],
      );
      return changed > 0;
    },

    async listUsers(): Promise<readonly UserRecord[]> {
      // username is COLLATE "C": byte order, the same as the other adapters.
      return (await db.rows(`SELECT ${userColumns} FROM users ORDER BY username`)).map(
        readPostgresUser,
      );
    },

    async countUsers(): Promise<number> {
      const [row] = await db.rows("SELECT count(*) AS count FROM users");
      return parseRow(countRow, row, "users").count;
    },
  };
}
