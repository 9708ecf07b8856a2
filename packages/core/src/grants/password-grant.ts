import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { intersectScopes } from "../scopes.ts";
import type { RefreshFamilyDeps, RefreshToken } from "../tokens/refresh-tokens.ts";
import { startRefreshFamily } from "../tokens/refresh-tokens.ts";
import type { IssuedAccessToken, TokenService } from "../tokens/tokens.ts";
import type { AuthenticateDeps } from "../users/authenticate.ts";
import { authenticate } from "../users/authenticate.ts";
import type { LoginThrottle } from "./throttle.ts";

/** What {@link passwordGrant} needs. */
export interface PasswordGrantDeps extends AuthenticateDeps {
  readonly tokens: TokenService;
  readonly scopes: ScopeCatalogue;
  /** When given, every login also starts a refresh token family. */
  readonly refresh?: RefreshFamilyDeps;
  /**
   * Brute-force protection, which RFC 6749 §4.3.2 requires of a token endpoint offering this
   * grant; leave it out only where the caller throttles logins itself.
   */
  readonly throttle?: LoginThrottle;
}

/** What a grant issues: an access token, and a refresh token when refresh tokens are on. */
export interface IssuedTokens extends IssuedAccessToken {
  readonly refreshToken?: RefreshToken;
}

/** A password grant request (RFC 6749 §4.3.2) after its form was parsed. */
export interface PasswordGrantRequest {
  readonly username: string;
  readonly password: string;
  /** Parsed `scope`; `undefined` when the client asked for none. */
  readonly scopes: readonly Scope[] | undefined;
  /** The client's address, for the per-address counter; `undefined` when unknown. */
  readonly clientAddress?: string | undefined;
  /** The authenticated client, written as `client_id`; the service's default when absent. */
  readonly clientId?: string | undefined;
  /** The client's own audiences for `aud`; the service's audience when absent or empty. */
  readonly audiences?: readonly string[] | undefined;
}

/**
 * The resource owner password credentials grant: authenticates the user and issues an access
 * token for the scopes they asked for and are allowed. Asking for nothing grants every scope the
 * user is allowed (RFC 6749 §3.3 default); asking for a scope the user may not have drops it from
 * the grant, and the response's `scope` says what was granted. With `deps.refresh`, the login
 * also starts a refresh token family carrying the granted scopes.
 * With a throttle, the attempt is counted before any password work, and a locked account or
 * address is refused without a lookup or a hash — the same for existing and unknown users.
 * Parallel logins to one account take turns, so they are decided as if sent one by one.
 * @throws {AuthError} invalid_credentials, inactive_user, hasher_busy (see {@link authenticate})
 * @throws {AuthError} throttled while the account or the client address is locked
 * @example
 * const issued = await passwordGrant(deps, { username: "johndoe", password: "secret", scopes: undefined });
 */
export async function passwordGrant(
  deps: PasswordGrantDeps,
  request: PasswordGrantRequest,
): Promise<IssuedTokens> {
  const check = () => authenticate(deps, request.username, request.password);
  const user =
    deps.throttle === undefined
      ? await check()
      : await deps.throttle.attempt(request.username, request.clientAddress, check);
  const requested = request.scopes ?? deps.scopes.all;
  const granted = intersectScopes(requested, user.scopes);
  const issued = deps.tokens.issue(user.username, granted, {
    clientId: request.clientId,
    audiences: request.audiences,
  });
  if (deps.refresh === undefined) return issued;
  return {
    ...issued,
    refreshToken: await startRefreshFamily(deps.refresh, user.username, granted),
  };
}
