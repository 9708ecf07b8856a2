// Events in a user's life that take their tokens back: password change, disable, "log out everywhere".
import type { Clock } from "../clock.ts";
import type { PasswordHash } from "../passwords/hasher.ts";
import type { RefreshTokenStore } from "../tokens/refresh-tokens.ts";
import type { UserPatch, UserRecord, UserStore, UserWriteGuard } from "./user.ts";

/** What the lifecycle functions need. */
export interface UserLifecycleDeps {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly clock: Clock;
}

// The cut-off is written first: on its own it already refuses every older access token and
// refresh family, so a failure between the writes leaves nothing usable behind. A refresh racing
// this one may have rotated its family just before the revocation and issued an access token at
// or after `now`: the store's latest exchange, read after the revocation, sees every such
// exchange (one after it finds its family revoked), so the cut-off moves past it, possibly on
// another instance with a clock ahead of this one's. The cut-off is exclusive (a token issued at
// it is accepted), hence one past the latest exchange.
async function cutOff(
  deps: UserLifecycleDeps,
  username: string,
  patch: UserPatch,
  guard?: UserWriteGuard,
): Promise<UserRecord> {
  const now = deps.clock.now();
  const record = await deps.users.updateUser(username, { ...patch, tokensValidAfter: now }, guard);
  await deps.refreshTokens.revokeRefreshFamiliesOf(username, now);
  const lastExchange = await deps.refreshTokens.lastRefreshIssuedAt(username);
  if (lastExchange === null || lastExchange < now) return record;
  return deps.users.updateUser(username, { tokensValidAfter: lastExchange + 1 });
}

/**
 * Takes back every token of `username`: access tokens issued before now are refused and every
 * refresh token family is revoked. Tokens issued afterwards work as usual.
 * @throws {AuthError} user_not_found
 */
export function logoutEverywhere(deps: UserLifecycleDeps, username: string): Promise<UserRecord> {
  return cutOff(deps, username, {});
}

/**
 * Replaces the password hash of `username` and takes back every token, as {@link logoutEverywhere}.
 * @throws {AuthError} user_not_found
 */
export function changePassword(
  deps: UserLifecycleDeps,
  username: string,
  passwordHash: PasswordHash,
): Promise<UserRecord> {
  return cutOff(deps, username, { passwordHash });
}

/**
 * Disables `username` and takes back every token, as {@link logoutEverywhere}. `changes` are
 * written in the same store write, and `guard` is checked by the store together with it.
 * @throws {AuthError} user_not_found
 * @throws {AuthError} last_user_admin, scope_not_held when `guard` refuses it (nothing is changed)
 */
export function disableUser(
  deps: UserLifecycleDeps,
  username: string,
  guard?: UserWriteGuard,
  changes: UserPatch = {},
): Promise<UserRecord> {
  return cutOff(deps, username, { ...changes, disabled: true }, guard);
}
