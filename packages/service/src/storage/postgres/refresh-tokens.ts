// Refresh token families on PostgreSQL: each exchange is one transaction that first locks its
// family's row, so exchanges, retries and revocations of one family run one after the other
// across every instance sharing the database.

import { AuthError } from "gatehouse-auth-core/errors";
import type { NewRefreshToken, RefreshTokenStore } from "gatehouse-auth-core/tokens/refresh-tokens";
import { z } from "zod";
import { parseRow } from "../rows/parse-row.ts";
import { createRefreshTokenReader } from "../rows/refresh-token-row.ts";
import type { PostgresPool, Queryable } from "./pool.ts";
import { bigintNumber, sqlState, sqlStateOf } from "./rows.ts";

const familyIdRow = z.object({ family_id: z.string() });
const lastIssuedRow = z.object({ last: bigintNumber.nullable() });

const readToken = createRefreshTokenReader(bigintNumber, z.array(z.string()));

// "The family is still live", shared by both exchanges; $1 is now.
const liveFamily = `EXISTS (SELECT 1 FROM refresh_families f
  WHERE f.family_id = refresh_tokens.family_id AND f.revoked_at IS NULL AND f.expires_at > $1::bigint)`;

const insertToken = `INSERT INTO refresh_tokens
  (token_hash, family_id, state, issued_at, expires_at, spent_at, successor_hash)
  VALUES ($1, $2, 'active', $3, $4, NULL, NULL)`;

/**
 * Locks the row of the family `tokenHash` belongs to until the transaction ends, so a concurrent
 * exchange or revocation of that family waits, then sees this one's outcome. `false` when no
 * such token exists.
 */
/**
 * Inserts `successor` as the active token of the family named in `spent`, the row RETURNING
 * `family_id` of the token it replaces.
 */
async function insertSuccessor(
  tx: Queryable,
  spent: unknown,
  successor: NewRefreshToken,
): Promise<void> {
  const { family_id } = parseRow(familyIdRow, spent, "refresh_tokens");
  await tx.run(insertToken, [
    successor.tokenHash,
    family_id,
    successor.issuedAt,
    successor.expiresAt,
  ]);
}

async function lockFamilyOf(tx: Queryable, tokenHash: string): Promise<boolean> {
  const rows = await tx.rows(
    `SELECT family_id FROM refresh_families
     WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)
     FOR UPDATE`,
    [tokenHash],
  );
  return rows.length === 1;
}

/** The {@link RefreshTokenStore} part of the PostgreSQL store. */
export function createPostgresRefreshTokenStore(db: PostgresPool): RefreshTokenStore {
  return {
    async createRefreshFamily(family) {
      try {
        await db.transaction(async (tx) => {
          await tx.run(
            `INSERT INTO refresh_families (family_id, username, scopes, created_at, expires_at, revoked_at, client_id)
             VALUES ($1, $2, $3, $4, $5, NULL, $6)`,
            [
              family.familyId,
              family.username,
              [...family.scopes],
              family.createdAt,
              family.expiresAt,
              family.clientId ?? null,
            ],
          );
          await tx.run(insertToken, [
            family.token.tokenHash,
            family.familyId,
            family.token.issuedAt,
            family.token.expiresAt,
          ]);
        });
      } catch (error) {
        if (sqlStateOf(error) === sqlState.foreignKeyViolation) {
          throw new AuthError("user_not_found", "no user with this username", { cause: error });
        }
        throw error;
      }
    },

    async findRefreshToken(tokenHash) {
      const [row] = await db.rows(
        `SELECT t.token_hash, t.family_id, t.state, t.issued_at, t.expires_at, t.spent_at,
                t.successor_hash, f.username, f.scopes, f.created_at AS family_created_at,
                f.expires_at AS family_expires_at, f.revoked_at, f.client_id
         FROM refresh_tokens t JOIN refresh_families f ON f.family_id = t.family_id
         WHERE t.token_hash = $1`,
        [tokenHash],
      );
      return row === undefined ? undefined : readToken(row);
    },

    async rotateRefreshToken(tokenHash, successor, now) {
      return db.transaction(async (tx) => {
        if (!(await lockFamilyOf(tx, tokenHash))) return false;
        // Conditional on the token still being active: of two uses, the second finds it rotated.
        const [spent] = await tx.rows(
          `UPDATE refresh_tokens SET state = 'rotated', spent_at = $1, successor_hash = $2
           WHERE token_hash = $3 AND state = 'active' AND expires_at > $1 AND ${liveFamily}
           RETURNING family_id`,
          [now, successor.tokenHash, tokenHash],
        );
        if (spent === undefined) return false;
        await insertSuccessor(tx, spent, successor);
        return true;
      });
    },

    async retryRefreshToken(tokenHash, successor, now, spentSince) {
      return db.transaction(async (tx) => {
        if (!(await lockFamilyOf(tx, tokenHash))) return false;
        const discarded = await tx.run(
          `UPDATE refresh_tokens SET state = 'discarded', spent_at = $1
           WHERE state = 'active' AND ${liveFamily} AND token_hash = (
             SELECT successor_hash FROM refresh_tokens
             WHERE token_hash = $2 AND state = 'rotated' AND spent_at >= $3)`,
          [now, tokenHash, spentSince],
        );
        if (discarded !== 1) return false;
        const [retried] = await tx.rows(
          `UPDATE refresh_tokens SET state = 'retried', successor_hash = $1
           WHERE token_hash = $2 RETURNING family_id`,
          [successor.tokenHash, tokenHash],
        );
        await insertSuccessor(tx, retried, successor);
        return true;
      });
    },

    async revokeRefreshFamily(familyId, now) {
      await db.run(
        "UPDATE refresh_families SET revoked_at = $1 WHERE family_id = $2 AND revoked_at IS NULL",
        [now, familyId],
      );
    },

    async revokeRefreshFamiliesOf(username, now) {
      return db.run(
        "UPDATE refresh_families SET revoked_at = $1 WHERE username = $2 AND revoked_at IS NULL",
        [now, username],
      );
    },

    async lastRefreshIssuedAt(username) {
      // A new statement, so under READ COMMITTED it sees every exchange committed before it.
      const [row] = await db.rows(
        `SELECT max(t.issued_at) AS last FROM refresh_tokens t
         JOIN refresh_families f ON f.family_id = t.family_id WHERE f.username = $1`,
        [username],
      );
      return parseRow(lastIssuedRow, row, "refresh_tokens").last;
    },

    async purgeRefreshFamilies(now) {
      // Tokens go with their family: refresh_tokens.family_id is ON DELETE CASCADE.
      return db.run("DELETE FROM refresh_families WHERE expires_at <= $1", [now]);
    },
  };
}
