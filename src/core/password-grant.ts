import type { AuthenticateDeps } from "./authenticate.ts";
import { authenticate } from "./authenticate.ts";
import type { Scope, ScopeCatalogue } from "./scopes.ts";
import { intersectScopes } from "./scopes.ts";
import type { IssuedAccessToken, TokenService } from "./tokens.ts";

/** What {@link passwordGrant} needs. */
export interface PasswordGrantDeps extends AuthenticateDeps {
  readonly tokens: TokenService;
  readonly scopes: ScopeCatalogue;
}

/** A password grant request (RFC 6749 §4.3.2) after its form was parsed. */
export interface PasswordGrantRequest {
  readonly username: string;
  readonly password: string;
  /** Parsed `scope`; `undefined` when the client asked for none. */
  readonly scopes: readonly Scope[] | undefined;
  /** The `client_id` the request named, written into the token; none when absent. */
  readonly clientId?: string | undefined;
}

/**
 * The resource owner password credentials grant: authenticates the user and issues an access
 * token for the scopes they asked for and are allowed. Asking for nothing grants every scope the
 * user is allowed (RFC 6749 §3.3 default); asking for a scope the user may not have drops it from
 * the grant, and the response's `scope` says what was granted.
 * @throws {AuthError} invalid_credentials, inactive_user, hasher_busy (see {@link authenticate})
 * @example
 * const issued = await passwordGrant(deps, { username: "johndoe", password: "secret", scopes: undefined });
 */
export async function passwordGrant(
  deps: PasswordGrantDeps,
  request: PasswordGrantRequest,
): Promise<IssuedAccessToken> {
  const user = await authenticate(deps, request.username, request.password);
  const requested = request.scopes ?? deps.scopes.all;
  return deps.tokens.issue(user.username, intersectScopes(requested, user.scopes), {
    clientId: request.clientId,
  });
}
