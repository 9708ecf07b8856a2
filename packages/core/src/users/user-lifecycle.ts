// Events in a user's life that take their tokens back: password change, disable, "log out everywhere".
import type { Clock } from "../clock.ts";
import type { PasswordHash } from "../passwords/hasher.ts";
import type { RefreshTokenStore } from "../tokens/refresh-tokens.ts";
import type { UserPatch, UserRecord, UserStore } from "./user.ts";

/** What the lifecycle functions need. */
export interface UserLifecycleDeps {
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly clock: Clock;
}

// The cut-off is written first: on its own it already refuses every older access token and
// refresh family, so a failure between the two writes leaves nothing usable behind.
async function cutOff(
  deps: UserLifecycleDeps,
  username: string,
  patch: UserPatch,
): Promise<UserRecord> {
  const now = deps.clock.now();
  const record = await deps.users.updateUser(username, { ...patch, tokensValidAfter: now });
  await deps.refreshTokens.revokeRefreshFamiliesOf(username, now);
  return record;
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
 * Disables `username` and takes back every token, as {@link logoutEverywhere}.
 * @throws {AuthError} user_not_found
 */
export function disableUser(deps: UserLifecycleDeps, username: string): Promise<UserRecord> {
  return cutOff(deps, username, { disabled: true });
}
