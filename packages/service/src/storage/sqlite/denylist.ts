// Revoked access token ids on SQLite: a primary-key lookup per request, shared by every instance.
import type { DatabaseSync } from "node:sqlite";
import type { AccessTokenDenylist } from "gatehouse-auth-core/tokens/denylist";
import type { SqliteChangeLog } from "./change-feed.ts";
import type { SqliteReadMemo } from "./read-memo.ts";

/**
 * The {@link AccessTokenDenylist} part of the SQLite store, on an open, migrated database. The
 * probe answers from `memo` while nothing was committed, so a denial anywhere holds on the next
 * request. A denial appends its event to `changes` in the same transaction.
 */
export function createSqliteAccessTokenDenylist(
  db: DatabaseSync,
  memo: SqliteReadMemo,
  changes: SqliteChangeLog,
): AccessTokenDenylist {
  const purge = db.prepare("DELETE FROM revoked_access_tokens WHERE expires_at <= ?");
  // SQLite's two-argument max() is PostgreSQL's GREATEST().
  const deny = db.prepare(
    `INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?)
     ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
  );
  const find = db.prepare("SELECT 1 AS found FROM revoked_access_tokens WHERE jti = ?");

  return {
    async denyAccessToken(tokenId, expiresAt, now) {
      memo.forget();
      purge.run(now);
      // A token already expired is refused by its exp; there is nothing to remember.
      if (expiresAt <= now) return;
      changes.atomically(() => {
        deny.run(tokenId, expiresAt);
        changes.append({ kind: "access_token_revoked", tokenId, expiresAt });
      });
    },

    isAccessTokenDenied(tokenId) {
      return memo.read("denied", tokenId, () => find.get(tokenId) !== undefined);
    },
  };
}
