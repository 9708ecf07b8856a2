// Turning a client's own access token (client_credentials) into a principal: the registry, not
// the token, decides whether the client may still act.
import { AuthError } from "../errors.ts";
import type { Scope } from "../scopes.ts";
import { missingScopes } from "../scopes.ts";
import type { AccessTokenDenylist } from "../tokens/denylist.ts";
import { verifyWithKeyRefresh } from "../tokens/token-verifier.ts";
import type { TokenService } from "../tokens/tokens.ts";
import type { VerifiedAccessToken } from "../tokens/verified-access-token.ts";
import type { Client, ClientReads } from "./client.ts";
import { clientSubjectPrefix } from "./client-authentication.ts";

/** A client acting for itself, once its token passed every check. */
export interface ClientPrincipal {
  /** Tells a client acting for itself apart from a user (see `Caller`). */
  readonly kind: "client";
  readonly client: Client;
  /** The scopes the token carries that the client is still allowed. */
  readonly scopes: readonly Scope[];
  readonly token: VerifiedAccessToken;
}

/** What {@link authorizeClient} needs. */
export interface AuthorizeClientDeps {
  readonly tokens: TokenService;
  readonly denylist: AccessTokenDenylist;
  readonly clients: ClientReads;
}

/** Tells whether a token's subject names a client (`client:<client_id>`) rather than a user. */
export function isClientSubject(subject: string): boolean {
  return subject.startsWith(clientSubjectPrefix);
}

/**
 * Checks a client's own access token: signature and time, then the client is loaded on every
 * call (a disabled or deleted client loses access at once, whatever the token says), then the
 * denylist and the required scopes — only scopes the client is still allowed count.
 * @throws {AuthError} token_invalid when the token is bad or revoked, names no client, its
 * client is unknown or disabled, or it was issued before the client was registered
 * @throws {AuthError} token_expired
 * @throws {AuthError} insufficient_scope when the token lacks a required scope
 * @example
 * const principal = await authorizeClient({ tokens, denylist, clients }, token, []);
 */
export async function authorizeClient(
  deps: AuthorizeClientDeps,
  token: string,
  required: readonly Scope[],
): Promise<ClientPrincipal> {
  return authorizeVerifiedClient(deps, await verifyWithKeyRefresh(deps.tokens, token), required);
}

/**
 * {@link authorizeClient} for a token already verified: loads its client and the denylist entry
 * and applies every check after the signature's.
 * @throws {AuthError} as {@link authorizeClient} does, except token_expired
 */
export async function authorizeVerifiedClient(
  deps: Pick<AuthorizeClientDeps, "denylist" | "clients">,
  verified: VerifiedAccessToken,
  required: readonly Scope[],
): Promise<ClientPrincipal> {
  if (!isClientSubject(verified.subject)) {
    throw new AuthError("token_invalid", "the token's subject is not a client");
  }
  const clientId = verified.subject.slice(clientSubjectPrefix.length);
  const [record, revoked] = await Promise.all([
    deps.clients.findClient(clientId),
    deps.denylist.isAccessTokenDenied(verified.tokenId),
  ]);
  if (record === undefined || record.disabled || record.type !== "confidential") {
    throw new AuthError("token_invalid", "the token's client does not exist or is disabled");
  }
  // A client deleted and registered again under the same id (a toolkit caller may choose ids) does
  // not inherit the old registration's tokens, as a re-created username does not.
  if (verified.issuedAtMs < record.createdAt) {
    throw new AuthError("token_invalid", "the token was issued to an earlier client of this id");
  }
  if (revoked) throw new AuthError("token_invalid", "the token was revoked");
  const allowed = new Set(record.scopes);
  const scopes = verified.scopes.filter((scope) => allowed.has(scope));
  if (missingScopes(scopes, required).length > 0) {
    throw new AuthError("insufficient_scope", "the token lacks a required scope");
  }
  const { secretHash: _s, previousSecretHash: _p, previousSecretExpiresAt: _e, ...client } = record;
  return { kind: "client", client, scopes, token: verified };
}
