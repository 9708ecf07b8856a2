// Refresh token families on SQLite: each exchange is one write transaction, so it is atomic
// across every connection and process sharing the file.
import type { DatabaseSync } from "node:sqlite";
import { AuthError } from "gatehouse-auth-core/errors";
import type { RefreshTokenStore } from "gatehouse-auth-core/tokens/refresh-tokens";
import { z } from "zod";
import { createRefreshTokenReader } from "../rows/refresh-token-row.ts";
import { inWriteTransaction } from "./transaction.ts";

const familyIdRow = z.object({ family_id: z.string() });
const lastIssuedRow = z.object({ last: z.number().int().nullable() });

// Extended result code (https://sqlite.org/rescode.html) that node:sqlite reports as `errcode`.
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;

const readToken = createRefreshTokenReader(
  z.number().int(),
  z.string().transform((text) => (text === "" ? [] : text.split(" "))),
);

function isForeignKeyViolation(error: unknown): boolean {
  return (
    error instanceof Error && "errcode" in error && error.errcode === SQLITE_CONSTRAINT_FOREIGNKEY
  );
}

// "The family is still live", shared by both exchanges.
const liveFamily = `EXISTS (SELECT 1 FROM refresh_families f
  WHERE f.family_id = refresh_tokens.family_id AND f.revoked_at IS NULL AND f.expires_at > :now)`;

/** The {@link RefreshTokenStore} part of the SQLite store, on an open, migrated database. */
export function createSqliteRefreshTokenStore(db: DatabaseSync): RefreshTokenStore {
  const insertFamily = db.prepare(
    `INSERT INTO refresh_families (family_id, username, scopes, created_at, expires_at, revoked_at, client_id)
     VALUES (?, ?, ?, ?, ?, NULL, ?)`,
  );
  const insertToken = db.prepare(
    `INSERT INTO refresh_tokens (token_hash, family_id, state, issued_at, expires_at, spent_at, successor_hash)
     VALUES (?, ?, 'active', ?, ?, NULL, NULL)`,
  );
  const findToken = db.prepare(
    `SELECT t.token_hash, t.family_id, t.state, t.issued_at, t.expires_at, t.spent_at,
            t.successor_hash, f.username, f.scopes, f.created_at AS family_created_at,
            f.expires_at AS family_expires_at, f.revoked_at, f.client_id
     FROM refresh_tokens t JOIN refresh_families f ON f.family_id = t.family_id
     WHERE t.token_hash = ?`,
  );
  const rotate = db.prepare(
    `UPDATE refresh_tokens SET state = 'rotated', spent_at = :now, successor_hash = :successor
     WHERE token_hash = :hash AND state = 'active' AND expires_at > :now AND ${liveFamily}
     RETURNING family_id`,
  );
  const discardSuccessor = db.prepare(
    `UPDATE refresh_tokens SET state = 'discarded', spent_at = :now
     WHERE state = 'active' AND ${liveFamily} AND token_hash = (
       SELECT successor_hash FROM refresh_tokens
       WHERE token_hash = :hash AND state = 'rotated' AND spent_at >= :since)`,
  );
  const markRetried = db.prepare(
    `UPDATE refresh_tokens SET state = 'retried', successor_hash = :successor
     WHERE token_hash = :hash RETURNING family_id`,
  );
  const revokeFamily = db.prepare(
    "UPDATE refresh_families SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
  );
  const revokeFamiliesOf = db.prepare(
    "UPDATE refresh_families SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL",
  );
  const lastIssuedOf = db.prepare(
    `SELECT max(t.issued_at) AS last FROM refresh_tokens t
     JOIN refresh_families f ON f.family_id = t.family_id WHERE f.username = ?`,
  );
  // Tokens go with their family: refresh_tokens.family_id is ON DELETE CASCADE.
  const purge = db.prepare("DELETE FROM refresh_families WHERE expires_at <= ?");

  // Runs `work` under the write lock; `work` returning false rolls everything back.
  const allOrNothing = (work: () => boolean): boolean =>
    inWriteTransaction(db, work, (done) => done);

  return {
    async createRefreshFamily(family) {
      try {
        allOrNothing(() => {
          insertFamily.run(
            family.familyId,
            family.username,
            family.scopes.join(" "),
            family.createdAt,
            family.expiresAt,
            family.clientId ?? null,
          );
          insertToken.run(
            family.token.tokenHash,
            family.familyId,
            family.token.issuedAt,
            family.token.expiresAt,
          );
          return true;
        });
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new AuthError("user_not_found", "no user with this username", { cause: error });
        }
        throw error;
      }
    },

    async findRefreshToken(tokenHash) {
      const row = findToken.get(tokenHash);
      return row === undefined ? undefined : readToken(row);
    },

    async rotateRefreshToken(tokenHash, successor, now) {
      return allOrNothing(() => {
        const spent = rotate.get({ hash: tokenHash, successor: successor.tokenHash, now });
        if (spent === undefined) return false;
        const { family_id } = familyIdRow.parse(spent);
        insertToken.run(successor.tokenHash, family_id, successor.issuedAt, successor.expiresAt);
        return true;
      });
    },

    async retryRefreshToken(tokenHash, successor, now, spentSince) {
      return allOrNothing(() => {
        if (discardSuccessor.run({ hash: tokenHash, now, since: spentSince }).changes !== 1) {
          return false;
        }
        const retried = markRetried.get({ hash: tokenHash, successor: successor.tokenHash });
        const { family_id } = familyIdRow.parse(retried);
        insertToken.run(successor.tokenHash, family_id, successor.issuedAt, successor.expiresAt);
        return true;
      });
    },

    async revokeRefreshFamily(familyId, now) {
      revokeFamily.run(now, familyId);
    },

    async revokeRefreshFamiliesOf(username, now) {
      return Number(revokeFamiliesOf.run(now, username).changes);
    },

    async lastRefreshIssuedAt(username) {
      return lastIssuedRow.parse(lastIssuedOf.get(username)).last;
    },

    async purgeRefreshFamilies(now) {
      return Number(purge.run(now).changes);
    },
  };
}
