// Token introspection (RFC 7662): whether a token is active, and what it carries if so.
import type { AuthorizeDeps } from "../authorize.ts";
import { authorize } from "../authorize.ts";
import { authorizeClient, isClientSubject } from "../clients/authorize-client.ts";
import type { ClientLookup } from "../clients/client-authentication.ts";
import type { Clock } from "../clock.ts";
import { isAuthError } from "../errors.ts";
import { isRefreshTokenUsable } from "../grants/refresh-grant.ts";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { intersectScopes } from "../scopes.ts";
import type { RefreshTokenStore } from "./refresh-tokens.ts";
import { hashRefreshToken, isRefreshTokenShaped } from "./refresh-tokens.ts";
import { verifyWithKeyRefresh } from "./token-verifier.ts";

/** What {@link introspectToken} needs. */
export interface IntrospectDeps extends AuthorizeDeps {
  readonly refreshTokens: RefreshTokenStore;
  readonly scopes: ScopeCatalogue;
  readonly clock: Clock;
  /** The registry a client's own token is checked against; without it such tokens are inactive. */
  readonly clients?: ClientLookup;
}

/** An active token, as RFC 7662 §2.2 describes it. Times are seconds since the epoch. */
export interface ActiveToken {
  readonly active: true;
  readonly tokenType: "access_token" | "refresh_token";
  readonly scopes: readonly Scope[];
  readonly subject: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** The access token's `jti`; refresh tokens have none to report. */
  readonly tokenId?: string;
}

/** The answer of {@link introspectToken}: nothing is said about a token that is not active. */
export type Introspection = { readonly active: false } | ActiveToken;

const inactive: Introspection = Object.freeze({ active: false });

/**
 * Tells whether `token` is active and what it carries. A client's own token (subject
 * `client:<client_id>`) is active exactly when `authorizeClient` would accept it; a user's access
 * token exactly when {@link authorize} would accept it for a route needing no scope (valid signature and time, user
 * exists and is active, not revoked, not before the cut-off); a refresh token exactly when a
 * refresh with it would rotate. Anything else is `{ active: false }`, with no reason given.
 * @example
 * const answer = await introspectToken(deps, presented); // { active: true, subject: "johndoe", … }
 */
export async function introspectToken(deps: IntrospectDeps, token: string): Promise<Introspection> {
  if (isRefreshTokenShaped(token)) return introspectRefreshToken(deps, token);
  try {
    // Verified once here (a key rotated in elsewhere is fetched), then read from the cache.
    const { subject } = await verifyWithKeyRefresh(deps.tokens, token);
    if (deps.clients !== undefined && isClientSubject(subject)) {
      const principal = await authorizeClient({ ...deps, clients: deps.clients }, token, []);
      return {
        active: true,
        tokenType: "access_token",
        scopes: principal.scopes,
        subject: principal.token.subject,
        issuedAt: principal.token.issuedAt,
        expiresAt: principal.token.expiresAt,
        tokenId: principal.token.tokenId,
      };
    }
    const principal = await authorize(deps, token, []);
    return {
      active: true,
      tokenType: "access_token",
      scopes: principal.scopes,
      subject: principal.user.username,
      issuedAt: principal.token.issuedAt,
      expiresAt: principal.token.expiresAt,
      tokenId: principal.token.tokenId,
    };
  } catch (error) {
    if (isAuthError(error)) return inactive;
    throw error;
  }
}

async function introspectRefreshToken(deps: IntrospectDeps, token: string): Promise<Introspection> {
  const record = await deps.refreshTokens.findRefreshToken(hashRefreshToken(token));
  if (record === undefined || record.state !== "active") return inactive;
  const user = await deps.users.findByUsername(record.username);
  if (user === undefined || user.disabled) return inactive;
  if (!isRefreshTokenUsable(record, user, deps.clock.now())) return inactive;
  const family = record.scopes.filter((name) => deps.scopes.has(name));
  return {
    active: true,
    tokenType: "refresh_token",
    scopes: intersectScopes(family, user.scopes),
    subject: user.username,
    issuedAt: Math.floor(record.issuedAt / 1000),
    expiresAt: Math.floor(record.expiresAt / 1000),
  };
}
