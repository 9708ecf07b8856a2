// The client credentials grant (RFC 6749 §4.4): a confidential client obtains a token for itself.
import type { AuthenticatedClient } from "../clients/client-authentication.ts";
import { clientSubject } from "../clients/client-authentication.ts";
import { AuthError } from "../errors.ts";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { intersectScopes } from "../scopes.ts";
import type { IssuedAccessToken, TokenService } from "../tokens/tokens.ts";

/** What {@link clientCredentialsGrant} needs. */
export interface ClientCredentialsGrantDeps {
  readonly tokens: TokenService;
  readonly scopes: ScopeCatalogue;
}

/**
 * Issues an access token to an authenticated confidential client allowed this grant. Its scopes
 * are the requested ones the client is allowed — all it is allowed when it asked for none — and
 * its subject is `client:<client_id>`, which no username can be. No refresh token: the client can
 * always ask again (RFC 6749 §4.4.3).
 * @throws {AuthError} invalid_client when no client authenticated (the grant requires it)
 * @throws {AuthError} unauthorized_client for a public client, or one not allowed this grant
 * @example
 * const issued = clientCredentialsGrant(deps, authenticated, scopes.parse("introspect"));
 */
export function clientCredentialsGrant(
  deps: ClientCredentialsGrantDeps,
  authenticated: AuthenticatedClient | undefined,
  requested: readonly Scope[] | undefined,
): IssuedAccessToken {
  if (authenticated === undefined) {
    throw new AuthError("invalid_client", "client_credentials requires client authentication");
  }
  const { client } = authenticated;
  if (client.type !== "confidential" || authenticated.method === "none") {
    throw new AuthError("unauthorized_client", "a public client cannot use client_credentials");
  }
  if (!client.grantTypes.includes("client_credentials")) {
    throw new AuthError("unauthorized_client", "the client is not allowed client_credentials");
  }
  const granted = intersectScopes(requested ?? deps.scopes.all, client.scopes);
  return deps.tokens.issue(clientSubject(client.clientId), granted, {
    clientId: client.clientId,
    audiences: client.audiences,
  });
}
