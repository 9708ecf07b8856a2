// The Store on SQLite through node:sqlite: one file (or memory), migrated on open.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { defaultChangeRetentionMs } from "gatehouse-auth-core/changes/change-feed";
import { type Clock, systemClock } from "gatehouse-auth-core/clock";
import { AuthError } from "gatehouse-auth-core/errors";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";
import { canonicalUsername } from "gatehouse-auth-core/users/canonical-username";
import type { Item } from "gatehouse-auth-core/users/items";
import type { Seed } from "gatehouse-auth-core/users/seed";
import type {
  NewUser,
  UserPatch,
  UserRecord,
  UserWriteGuard,
} from "gatehouse-auth-core/users/user";
import { enforceWriteGuard } from "gatehouse-auth-core/users/user-write-guard";
import { z } from "zod";
import { refuseNulCharacters } from "../nul-refusal.ts";
import { groupCaseCollisions, pickLoginUser } from "../rows/canonical-username-rows.ts";
import { userChanged } from "../rows/change-event-row.ts";
import { parseRow } from "../rows/parse-row.ts";
import { createSqliteAuditLog } from "./audit-log.ts";
import { createSqliteAuthorizationCodes } from "./authorization-codes.ts";
import { createSqliteChangeLog } from "./change-feed.ts";
import { createSqliteClientReads, createSqliteClientStore } from "./clients.ts";
import { createSqliteConsents } from "./consents.ts";
import { checkDatabaseFile } from "./database-file.ts";
import { createSqliteAccessTokenDenylist } from "./denylist.ts";
import { createSqliteDeviceCodeStore } from "./device-codes.ts";
import { createSqliteLoginSessions } from "./login-sessions.ts";
import { migrateSqlite } from "./migrate.ts";
import { createSqliteReadMemo } from "./read-memo.ts";
import { createSqliteReadiness } from "./readiness.ts";
import { createSqliteRefreshTokenStore } from "./refresh-tokens.ts";
import { createSqliteSigningKeys } from "./signing-keys.ts";
import { createSqliteThrottleStore } from "./throttle.ts";
import { inWriteTransaction } from "./transaction.ts";
import { createSqliteUserDirectory } from "./user-directory.ts";
import { readSqliteUserRow, sqliteUserColumns } from "./user-row.ts";

const itemRow = z.object({ owner: z.string(), item_id: z.string() });

const countRow = z.object({ count: z.number().int() });

const userColumns = sqliteUserColumns;

// Extended result codes (https://sqlite.org/rescode.html) that node:sqlite reports as `errcode`.
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const SQLITE_CONSTRAINT_UNIQUE = 2067;

function sqliteErrorCode(error: unknown): number | undefined {
  if (error instanceof Error && "errcode" in error && typeof error.errcode === "number") {
    return error.errcode;
  }
  return undefined;
}

// Scopes are stored space-separated, so a name holding a space (or an empty name) could not
// come back as it went in.
function formatStoredScopes(scopes: readonly string[]): string {
  for (const scope of scopes) {
    if (scope === "" || scope.includes(" ")) {
      throw new TypeError("a stored scope name must be non-empty and hold no space");
    }
  }
  return scopes.join(" ");
}

function takenError(cause?: unknown): AuthError {
  return new AuthError(
    "username_taken",
    "a user with this username, or one differing only by case, exists",
    cause === undefined ? undefined : { cause },
  );
}

function openDatabase(path: string): DatabaseSync {
  const inMemory = path === ":memory:";
  if (!inMemory) {
    checkDatabaseFile(path);
    mkdirSync(dirname(path), { recursive: true });
  }
  // Waits up to 5 s for another process's write lock instead of failing with SQLITE_BUSY.
  const db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: 5000 });
  db.exec("PRAGMA foreign_keys = ON");
  // WAL lets readers (every authenticated request) proceed while a writer commits.
  if (!inMemory) {
    db.exec("PRAGMA journal_mode = WAL");
    // In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses
    // nothing committed (the WAL is already written), only a power cut can lose the last
    // commits. node:sqlite is synchronous, so an fsync per commit stalled the event loop.
    db.exec("PRAGMA synchronous = NORMAL");
  }
  return db;
}

/**
 * Opens (or creates) a SQLite database at `path` and returns a {@link Store} on it.
 *
 * Creates the parent directory of a file path if missing; `":memory:"` gives a private in-memory
 * database. Turns on WAL (for files), foreign keys and a 5 s busy timeout, then applies pending
 * migrations. Statements are prepared once. The user lookup and the denylist probe that every
 * authorized request makes, and the guard's read of a token's client (`guardReads.clients`),
 * answer from a memo while the database is unchanged (see {@link createSqliteReadMemo}), so the
 * records `users.findByUsername` and that read return are frozen and may be shared; every other
 * method returns fresh objects.
 *
 * @throws {NotADatabaseFileError} when `path` is a folder, device, pipe, socket or kernel file
 * (`/proc`, `/sys`), before SQLite opens it
 * @throws {AuthError} username_taken from `users.createUser` when the username exists
 * @throws {AuthError} user_not_found from `users.updateUser` and `items.addItem` when the user
 * does not exist
 * @example
 * const store = createSqliteStore({ path: "data/gatehouse.db" });
 */
export function createSqliteStore(options: {
  path: string;
  clock?: Clock;
  /** How long change events are kept, in milliseconds; seven days by default. */
  changeRetentionMs?: number;
}): Store {
  const clock = options.clock ?? systemClock;
  const db = openDatabase(options.path);
  migrateSqlite(db, { clock });
  const changes = createSqliteChangeLog(
    db,
    clock,
    options.changeRetentionMs ?? defaultChangeRetentionMs,
  );
  const { atomically } = changes;

  const findUser = db.prepare(`SELECT ${userColumns} FROM users WHERE username = ?`);
  const memo = createSqliteReadMemo(db);
  const loadUser = (username: string): UserRecord | undefined => {
    const row = findUser.get(username);
    if (row === undefined) return undefined;
    const record = readSqliteUserRow(row);
    Object.freeze(record.scopes);
    return Object.freeze(record);
  };
  // Inserts nothing when any user, even one marked as an old collision, holds the canonical
  // form; the partial unique index refuses two new users sharing one.
  const insertUser = db.prepare(
    `INSERT INTO users (${userColumns}, canonical_username)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9
     WHERE NOT EXISTS (SELECT 1 FROM users WHERE canonical_username = ?9)
     RETURNING ${userColumns}`,
  );
  // The exact name first; two rows without it are an old collision the login cannot choose in.
  const findLogin = db.prepare(
    `SELECT ${userColumns} FROM users WHERE canonical_username = ?
     ORDER BY username = ? DESC, username LIMIT 2`,
  );
  const findCollisions = db.prepare(
    `SELECT canonical_username, username FROM users WHERE canonical_username IN (
       SELECT canonical_username FROM users WHERE case_collision = 1
       GROUP BY canonical_username HAVING count(*) > 1)
     ORDER BY canonical_username, username`,
  );
  // One statement for every patch shape, so it is prepared once: a flag per field says whether
  // the patch sets it.
  const patchUser = db.prepare(
    `UPDATE users SET
       email = CASE WHEN :setEmail THEN :email ELSE email END,
       full_name = CASE WHEN :setFullName THEN :fullName ELSE full_name END,
       disabled = CASE WHEN :setDisabled THEN :disabled ELSE disabled END,
       scopes = CASE WHEN :setScopes THEN :scopes ELSE scopes END,
       password_hash = CASE WHEN :setPasswordHash THEN :passwordHash ELSE password_hash END,
       tokens_valid_after = CASE WHEN NOT :setCutoff THEN tokens_valid_after
         WHEN :cutoff IS NULL THEN NULL
         ELSE max(coalesce(tokens_valid_after, :cutoff), :cutoff) END,
       updated_at = :updatedAt
     WHERE username = :username
     RETURNING ${userColumns}`,
  );
  const deleteUser = db.prepare("DELETE FROM users WHERE username = ?");
  // Scopes are stored space-separated: padding both sides matches whole names only.
  const findOtherHolder = db.prepare(
    `SELECT 1 AS found FROM users WHERE disabled = 0 AND username <> ?
       AND instr(' ' || scopes || ' ', ' ' || ? || ' ') > 0 LIMIT 1`,
  );
  const upgradeHash = db.prepare(
    "UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ? AND password_hash = ?",
  );
  const listUsers = db.prepare(`SELECT ${userColumns} FROM users ORDER BY username`);
  const countUsers = db.prepare("SELECT count(*) AS count FROM users");
  const listItems = db.prepare("SELECT owner, item_id FROM items WHERE owner = ? ORDER BY item_id");
  const insertItem = db.prepare(
    "INSERT INTO items (owner, item_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
  );

  // Synchronous, so seedIfEmpty can run several of them inside one transaction.
  const insertUserRow = (user: NewUser, now: number): UserRecord => {
    memo.forget();
    try {
      const row = insertUser.get(
        user.username,
        user.email ?? null,
        user.fullName ?? null,
        user.disabled === true ? 1 : 0,
        formatStoredScopes(user.scopes ?? []),
        user.passwordHash,
        now,
        now,
        canonicalUsername(user.username),
      );
      if (row === undefined) throw takenError();
      const created = readSqliteUserRow(row);
      changes.append(userChanged(created));
      return created;
    } catch (error) {
      const code = sqliteErrorCode(error);
      if (code === SQLITE_CONSTRAINT_PRIMARYKEY || code === SQLITE_CONSTRAINT_UNIQUE) {
        throw takenError(error);
      }
      throw error;
    }
  };
  const insertItemRow = (owner: string, itemId: string): void => {
    try {
      insertItem.run(owner, itemId);
    } catch (error) {
      if (sqliteErrorCode(error) === SQLITE_CONSTRAINT_FOREIGNKEY) {
        throw new AuthError("user_not_found", "no user with this username", { cause: error });
      }
      throw error;
    }
  };

  // Runs `write` under the write lock (so other processes' writes wait) after checking `guard`
  // against the rows as they are now; without a guard, `write` runs alone as one statement.
  const guarded = <T>(
    username: string,
    guard: UserWriteGuard | undefined,
    patch: UserPatch | undefined,
    write: () => T,
  ): T => {
    if (guard === undefined) return write();
    return atomically(() => {
      const row = findUser.get(username);
      const current = row === undefined ? undefined : readSqliteUserRow(row);
      enforceWriteGuard(
        guard,
        username,
        current,
        patch,
        (scope) => findOtherHolder.get(username, scope) !== undefined,
      );
      return write();
    });
  };

  const ports: Store = {
    users: {
      findByUsername(username: string): UserRecord | undefined {
        return memo.read("user", username, () => loadUser(username));
      },

      async findByLogin(name: string): Promise<UserRecord | undefined> {
        return pickLoginUser(
          name,
          findLogin.all(canonicalUsername(name), name).map(readSqliteUserRow),
        );
      },

      async findCaseCollisions(): Promise<readonly (readonly string[])[]> {
        return groupCaseCollisions(findCollisions.all());
      },

      async createUser(user: NewUser): Promise<UserRecord> {
        return atomically(() => insertUserRow(user, clock.now()));
      },

      async updateUser(
        username: string,
        patch: UserPatch,
        guard?: UserWriteGuard,
      ): Promise<UserRecord> {
        memo.forget();
        return atomically(() => {
          const row = guarded(username, guard, patch, () =>
            patchUser.get({
              username,
              updatedAt: clock.now(),
              setEmail: patch.email === undefined ? 0 : 1,
              email: patch.email ?? null,
              setFullName: patch.fullName === undefined ? 0 : 1,
              fullName: patch.fullName ?? null,
              setDisabled: patch.disabled === undefined ? 0 : 1,
              disabled: patch.disabled === true ? 1 : 0,
              setScopes: patch.scopes === undefined ? 0 : 1,
              scopes: patch.scopes === undefined ? null : formatStoredScopes(patch.scopes),
              setPasswordHash: patch.passwordHash === undefined ? 0 : 1,
              passwordHash: patch.passwordHash ?? null,
              setCutoff: patch.tokensValidAfter === undefined ? 0 : 1,
              cutoff: patch.tokensValidAfter ?? null,
            }),
          );
          if (row === undefined)
            throw new AuthError("user_not_found", "no user with this username");
          const updated = readSqliteUserRow(row);
          changes.append(userChanged(updated));
          return updated;
        });
      },

      async deleteUser(username: string, guard?: UserWriteGuard): Promise<boolean> {
        // Items go with the user: items.owner is ON DELETE CASCADE.
        memo.forget();
        return atomically(() => {
          if (guarded(username, guard, undefined, () => deleteUser.run(username)).changes === 0) {
            return false;
          }
          changes.append({ kind: "user_deleted", username });
          return true;
        });
      },

      async upgradePasswordHash(
        username: string,
        verified: PasswordHash,
        upgraded: PasswordHash,
      ): Promise<boolean> {
        memo.forget();
        return upgradeHash.run(upgraded, clock.now(), username, verified).changes > 0;
      },

      async listUsers(): Promise<readonly UserRecord[]> {
        return listUsers.all().map(readSqliteUserRow);
      },

      async countUsers(): Promise<number> {
        return parseRow(countRow, countUsers.get(), "users").count;
      },
    },

    items: {
      async listItems(owner: string): Promise<readonly Item[]> {
        return listItems.all(owner).map((row) => {
          const item = parseRow(itemRow, row, "items");
          return { itemId: item.item_id, owner: item.owner };
        });
      },

      async addItem(owner: string, itemId: string): Promise<Item> {
        insertItemRow(owner, itemId);
        return { itemId, owner };
      },
    },

    seed: {
      async seedIfEmpty(seed: Seed): Promise<boolean> {
        // Under the write lock, so of several instances starting at once exactly one seeds.
        return inWriteTransaction(db, () => {
          const seeded = parseRow(countRow, countUsers.get(), "users").count === 0;
          if (seeded) {
            const now = clock.now();
            for (const user of seed.users) insertUserRow(user, now);
            for (const item of seed.items) insertItemRow(item.owner, item.itemId);
          }
          return seeded;
        });
      },
    },

    directory: createSqliteUserDirectory(db, readSqliteUserRow),
    signingKeys: createSqliteSigningKeys(db, changes),
    refreshTokens: createSqliteRefreshTokenStore(db),
    // Shares the memo with `users`: one change stamp a request answers both of its reads.
    denylist: createSqliteAccessTokenDenylist(db, memo, changes),
    throttle: createSqliteThrottleStore(db),
    audit: createSqliteAuditLog(db, clock),
    clients: createSqliteClientStore(db, clock, changes, memo),
    changes: changes.feed,
    deviceCodes: createSqliteDeviceCodeStore(db),
    loginSessions: createSqliteLoginSessions(db),
    consents: createSqliteConsents(db),
    authorizationCodes: createSqliteAuthorizationCodes(db),
    readiness: createSqliteReadiness(db),

    async close(): Promise<void> {
      if (db.isOpen) db.close();
    },
  };
  return refuseNulCharacters({
    ...ports,
    // The guard's reads: the same memoized user and denylist reads, and the client a user's token
    // was issued to, memoized the same way and answered at once.
    guardReads: {
      users: ports.users,
      denylist: ports.denylist,
      clients: createSqliteClientReads(db, memo),
    },
  });
}
