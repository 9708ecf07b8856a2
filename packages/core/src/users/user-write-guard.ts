// The rules behind a guarded user write, enforced the same way by every store inside its atomic step.
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

/**
 * The scope some other active user must hold for a write to go ahead, or `undefined` when the
 * write needs no such check: no such guard, the user not an active holder now, or still one after.
 * `patch` is `undefined` for a deletion.
 */
function scopeToKeep(
  guard: UserWriteGuard,
  current: UserStanding,
  patch: UserPatch | undefined,
): string | undefined {
  const scope = guard.keepActiveHolderOf;
  if (scope === undefined || !isActiveHolder(current, scope)) return undefined;
  if (patch === undefined) return scope;
  const after = {
    disabled: patch.disabled ?? current.disabled,
    scopes: patch.scopes ?? current.scopes,
  };
  return isActiveHolder(after, scope) ? undefined : scope;
}

/**
 * Refuses a write that `guard` forbids: `patch` (`undefined` for a deletion) applied to `current`,
 * the user as stored now (`undefined` when there is none: nothing to refuse). A store calls this
 * inside the atomic step of the write, with `otherHolder` answering, from the same step, whether an
 * active user other than `username` holds a scope; nothing a concurrent write commits can then
 * slip between the check and the write.
 * @throws {AuthError} scope_not_held when the patch gives a scope outside `guard.grantableScopes`
 * that the user does not hold now
 * @throws {AuthError} last_user_admin when the write would leave no active holder of
 * `guard.keepActiveHolderOf`
 */
export function enforceWriteGuard(
  guard: UserWriteGuard | undefined,
  username: string,
  current: UserStanding | undefined,
  patch: UserPatch | undefined,
  otherHolder: (scope: string) => boolean,
): void {
  if (guard === undefined || current === undefined) return;
  const grantable = guard.grantableScopes;
  if (grantable !== undefined && patch?.scopes !== undefined) {
    const missing = patch.scopes.filter(
      (scope) => !grantable.includes(scope) && !current.scopes.includes(scope),
    );
    if (missing.length > 0) {
      throw new AuthError(
        "scope_not_held",
        `cannot grant ${missing.join(", ")}: the acting account does not hold it`,
      );
    }
  }
  const scope = scopeToKeep(guard, current, patch);
  if (scope !== undefined && !otherHolder(scope)) {
    throw new AuthError(
      "last_user_admin",
      `${username} is the last active user with ${scope}; it cannot be disabled, deleted or lose it`,
    );
  }
}
