// Token revocation (RFC 7009): a refresh token takes its family with it; an access token's jti is denied.

import type { Clock } from "../clock.ts";
import { AuthError, isAuthError } from "../errors.ts";
import type { AccessTokenDenylist } from "./denylist.ts";
import type { RefreshTokenStore } from "./refresh-tokens.ts";
import { hashRefreshToken, isRefreshTokenShaped } from "./refresh-tokens.ts";
import { verifyWithKeyRefresh } from "./token-verifier.ts";
import type { TokenService } from "./tokens.ts";

/** What {@link revokeToken} needs. */
export interface RevokeDeps {
  readonly tokens: TokenService;
  readonly refreshTokens: RefreshTokenStore;
  readonly denylist: AccessTokenDenylist;
  readonly clock: Clock;
}

/** What {@link revokeToken} did; the HTTP answer is the same either way (RFC 7009 §2.2). */
export type RevocationOutcome = "refresh_family_revoked" | "access_token_denied" | "nothing";

/** Who asks for a revocation, when a confidential client authenticated (RFC 7009 §2.1). */
export interface RevocationRequester {
  /**
   * Only tokens issued to this client are revoked: access tokens whose `client_id` is this one,
   * refresh tokens whose family was issued to it.
   */
  readonly clientId: string;
}

/**
 * Revokes `token`, whichever kind it is. A refresh token revokes its whole family; a valid
 * access token's `jti` is denied until the token's `exp`. Unknown, malformed and already
 * expired tokens change nothing and are not an error (RFC 7009 §2.2). Without a `requester`
 * (a public client, or none), possession of the token is the authorization: whoever holds it
 * could use it, so may also give it up. With one (a confidential client that authenticated),
 * only tokens issued to that client are revoked (RFC 7009 §2.1): an access token whose
 * `client_id` names another client or the client-less login, or a refresh token of another
 * client's family or of the client-less login's, is refused and left alone.
 *
 * The two kinds have disjoint shapes (a JWT has dots, a refresh token never does), so no
 * `token_type_hint` is needed to find the right one.
 * @throws {AuthError} token_not_owned when the requester is not the client the token was issued to
 * @example
 * await revokeToken({ tokens, refreshTokens: store.refreshTokens, denylist: store.denylist, clock }, presented);
 */
export async function revokeToken(
  deps: RevokeDeps,
  token: string,
  requester?: RevocationRequester,
): Promise<RevocationOutcome> {
  const now = deps.clock.now();
  if (isRefreshTokenShaped(token)) {
    const record = await deps.refreshTokens.findRefreshToken(hashRefreshToken(token));
    if (record === undefined) return "nothing";
    if (requester !== undefined && record.clientId !== requester.clientId) throw notOwned();
    await deps.refreshTokens.revokeRefreshFamily(record.familyId, now);
    return "refresh_family_revoked";
  }
  let expiresAt: number;
  let tokenId: string;
  let clientId: string | undefined;
  try {
    // A key rotated in on another instance is honoured here too.
    ({ expiresAt, tokenId, clientId } = await verifyWithKeyRefresh(deps.tokens, token));
  } catch (error) {
    if (isAuthError(error)) return "nothing";
    throw error;
  }
  if (requester !== undefined && clientId !== requester.clientId) throw notOwned();
  await deps.denylist.denyAccessToken(tokenId, expiresAt * 1000, now);
  return "access_token_denied";
}

// RFC 7009 §2.1: "If this validation fails, the request is refused and the client is informed of
// the error". It tells a client no more than the token it holds already says (a JWT names its
// client_id; a refresh token cannot be guessed), so the refusal probes nothing.
const notOwned = (): AuthError =>
  new AuthError("token_not_owned", "the token was not issued to the requesting client");
