// Compile-only: proves the branded strings cannot be made from a raw string. Checked by `tsc`, never run.
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Scope } from "gatehouse-auth-core/scopes";
import type { AccessToken } from "gatehouse-auth-core/tokens/tokens";

// @ts-expect-error a raw string is not a Scope: only a ScopeCatalogue makes one.
export const rawScope: Scope = "me";

// @ts-expect-error a raw string is not an AccessToken: only TokenService.issue makes one.
export const rawToken: AccessToken = "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl";

// @ts-expect-error a raw string is not a PasswordHash: only a hasher or the store makes one.
export const rawHash: PasswordHash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA";

export function requiresScopes(scopes: readonly Scope[]): readonly Scope[] {
  return scopes;
}

// @ts-expect-error a list of raw strings is not a list of scopes.
requiresScopes(["me", "items"]);

/** A Scope is still a string wherever a string is wanted. */
export function scopeAsString(scope: Scope): string {
  return scope;
}

/** So is an AccessToken and a PasswordHash. */
export function brandsAsStrings(token: AccessToken, hash: PasswordHash): readonly string[] {
  return [token, hash];
}

// A Scope is not an AccessToken: brands do not mix.
export function scopeAsToken(scope: Scope): AccessToken {
  // @ts-expect-error one brand is not another.
  return scope;
}
