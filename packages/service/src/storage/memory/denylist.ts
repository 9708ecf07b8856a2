// Revoked access token ids in process memory, for the memory store.
import type { AccessTokenDenylist } from "gatehouse-auth-core/tokens/denylist";
import type { NewChangeEvent } from "../rows/change-event-row.ts";

/**
 * The {@link AccessTokenDenylist} part of the memory store, plus `clear` for its `close`; a
 * denial is passed to `appendChange`.
 */
export function createMemoryAccessTokenDenylist(
  appendChange: (event: NewChangeEvent) => void,
): AccessTokenDenylist & { clear(): void } {
  const denied = new Map<string, number>();
  return {
    async denyAccessToken(tokenId, expiresAt, now) {
      for (const [id, until] of denied) if (until <= now) denied.delete(id);
      if (expiresAt <= now) return;
      denied.set(tokenId, Math.max(expiresAt, denied.get(tokenId) ?? 0));
      appendChange({ kind: "access_token_revoked", tokenId, expiresAt });
    },

    async isAccessTokenDenied(tokenId) {
      return denied.has(tokenId);
    },

    clear() {
      denied.clear();
    },
  };
}
