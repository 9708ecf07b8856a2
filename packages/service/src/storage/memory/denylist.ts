// Revoked access token ids in process memory, for the memory store.
import type { AccessTokenDenylist } from "gatehouse-auth-core/tokens/denylist";

/** The {@link AccessTokenDenylist} part of the memory store, plus `clear` for its `close`. */
export function createMemoryAccessTokenDenylist(): AccessTokenDenylist & { clear(): void } {
  const denied = new Map<string, number>();
  return {
    async denyAccessToken(tokenId, expiresAt, now) {
      for (const [id, until] of denied) if (until <= now) denied.delete(id);
      if (expiresAt > now) denied.set(tokenId, Math.max(expiresAt, denied.get(tokenId) ?? 0));
    },

    async isAccessTokenDenied(tokenId) {
      return denied.has(tokenId);
    },

    clear() {
      denied.clear();
    },
  };
}
