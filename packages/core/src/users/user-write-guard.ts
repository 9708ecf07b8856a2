// The rule behind a guarded user write, decided the same way by every store inside its atomic step.
import { AuthError } from "../errors.ts";
import type { UserPatch, UserWriteGuard } from "./user.ts";

/** What decides whether a user can use a scope: being active and holding it. */
export interface UserStanding {
  readonly disabled: boolean;
  readonly scopes: readonly string[];
}

/** Whether `user` is active and holds `scope`. */
export function isActiveHolder(user: UserStanding, scope: string): boolean {
  return !user.disabled && user.scopes.includes(scope);
}

/** The standing `patch` leaves `user` in. */
export function standingAfter(user: UserStanding, patch: UserPatch): UserStanding {
  return { disabled: patch.disabled ?? user.disabled, scopes: patch.scopes ?? user.scopes };
}

/**
 * The scope some other active user must hold for a write to go ahead, or `undefined` when the
 * write needs no such check: no guard, no such user, the user not an active holder now, or still
 * one after. `after` is `undefined` for a deletion. A store reads the other holders under the same
 * lock (or transaction) as the write, and throws {@link lastHolderRefusal} when there is none.
 */
export function scopeToKeep(
  guard: UserWriteGuard | undefined,
  before: UserStanding | undefined,
  after: UserStanding | undefined,
): string | undefined {
  if (guard === undefined || before === undefined) return undefined;
  const scope = guard.keepActiveHolderOf;
  if (!isActiveHolder(before, scope)) return undefined;
  if (after !== undefined && isActiveHolder(after, scope)) return undefined;
  return scope;
}

/** The error a store throws when a guarded write would remove the last active holder of `scope`. */
export function lastHolderRefusal(username: string, scope: string): AuthError {
  return new AuthError(
    "last_user_admin",
    `${username} is the last active user with ${scope}; it cannot be disabled, deleted or lose it`,
  );
}
