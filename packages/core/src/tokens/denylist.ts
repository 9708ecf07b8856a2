// The access token denylist: revoked `jti`s, refused until the token would have expired anyway.
import type { Awaitable } from "../awaitable.ts";

/**
 * Where revoked access token ids live. Every adapter passes
 * `storage/access-token-denylist.contract.ts`. Lookups consult the shared database every time —
 * no per-process cache that could be stale (SQLite answers a repeat from memory only after its
 * change stamp shows nothing was committed since) — so a revocation holds at once on every
 * instance.
 */
export interface AccessTokenDenylist {
  /**
   * Refuses `tokenId` until `expiresAt` (milliseconds since the epoch). Entries whose time has
   * passed by `now` are purged on the way. Denying an id twice keeps the later expiry.
   */
  denyAccessToken(tokenId: string, expiresAt: number, now: number): Promise<void>;
  /**
   * Tells whether `tokenId` was denied (and not yet purged); answered at once by stores that can
   * (SQLite), so the hot path of a guard awaits nothing.
   */
  isAccessTokenDenied(tokenId: string): Awaitable<boolean>;
}
