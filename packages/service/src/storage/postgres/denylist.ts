// Revoked access token ids on PostgreSQL: a primary-key lookup per request, shared by every instance.
import type { AccessTokenDenylist } from "gatehouse-auth-core/tokens/denylist";
import type { AppendPostgresChange } from "./change-feed.ts";
import type { Queryable } from "./pool.ts";

/**
 * The {@link AccessTokenDenylist} part of the PostgreSQL store: a denial appends its
 * `access_token_revoked` event in the same transaction.
 */
export function createPostgresAccessTokenDenylist(
  db: Queryable,
  appendChange: AppendPostgresChange,
): AccessTokenDenylist {
  return {
    async denyAccessToken(tokenId, expiresAt, now) {
      await db.run("DELETE FROM revoked_access_tokens WHERE expires_at <= $1", [now]);
      // A token already expired is refused by its exp; there is nothing to remember.
      if (expiresAt <= now) return;
      await db.transaction(async (tx) => {
        await tx.run(
          `INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2)
           ON CONFLICT (jti) DO UPDATE
           SET expires_at = GREATEST(revoked_access_tokens.expires_at, excluded.expires_at)`,
          [tokenId, expiresAt],
        );
        await appendChange(tx, { kind: "access_token_revoked", tokenId, expiresAt });
      });
    },

    async isAccessTokenDenied(tokenId) {
      const rows = await db.rows("SELECT 1 AS found FROM revoked_access_tokens WHERE jti = $1", [
        tokenId,
      ]);
      return rows.length > 0;
    },
  };
}
