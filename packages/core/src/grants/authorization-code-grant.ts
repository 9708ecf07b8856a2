// The authorization code grant at the token endpoint (RFC 6749 §4.1.3, RFC 7636 §4.6): a code
// redeemed once, by its client, with its redirect URI and PKCE verifier.
import { randomUUID } from "node:crypto";
import type { AuthorizationCodeStore } from "../authorization/authorization-codes.ts";
import {
  hashAuthorizationCode,
  isAuthorizationCodeShaped,
} from "../authorization/authorization-codes.ts";
import { verifiesCodeChallenge } from "../authorization/pkce.ts";
import type { ClientRecord } from "../clients/client.ts";
import { AuthError } from "../errors.ts";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { intersectScopes } from "../scopes.ts";
import type { AccessTokenDenylist } from "../tokens/denylist.ts";
import type { RefreshFamilyDeps } from "../tokens/refresh-tokens.ts";
import { startRefreshFamily } from "../tokens/refresh-tokens.ts";
import type { TokenService } from "../tokens/tokens.ts";
import type { UserRecord, UserStore } from "../users/user.ts";
import type { IssuedTokens } from "./password-grant.ts";

/** What {@link redeemAuthorizationCode} needs. */
export interface AuthorizationCodeGrantDeps extends RefreshFamilyDeps {
  readonly users: UserStore;
  readonly tokens: TokenService;
  readonly scopes: ScopeCatalogue;
  readonly authorizationCodes: AuthorizationCodeStore;
  /** Where a replayed code's access token is revoked. */
  readonly denylist: AccessTokenDenylist;
}

/** A code presented at the token endpoint by an authenticated client. */
export interface CodeRedemption {
  readonly client: ClientRecord;
  readonly code: string;
  readonly redirectUri: string | undefined;
  readonly codeVerifier: string | undefined;
}

/** How a redemption ended, with what the audit trail needs. */
export type CodeExchange =
  | { readonly ok: true; readonly tokens: IssuedTokens; readonly username: string }
  | {
      readonly ok: false;
      readonly error: AuthError;
      /** The user the code was issued to; `null` when the code is unknown. */
      readonly username: string | null;
      /** A used code was presented again, and what it issued was revoked. */
      readonly reuseDetected: boolean;
    };

const invalid = (message: string): AuthError =>
  new AuthError("authorization_code_invalid", message);

/**
 * Redeems an authorization code for an access token and a refresh token family bound to the
 * client. Checks, in order: the client may use the grant; the code is known, was issued to this
 * client, names the same redirect URI, is unexpired; the PKCE verifier proves its challenge; its
 * user still exists, is active and was not cut off (password change, disable, "log out
 * everywhere") since logging in. Then one atomic store step marks it used.
 *
 * A code presented again after its redemption revokes the refresh family and the access token
 * the redemption issued (RFC 6749 §4.1.2, RFC 9700 §4.5) — also when both uses race: the family
 * is stored before the code is marked used, so a losing request always finds it.
 * @throws nothing expected: failures come back as the exchange's {@link AuthError}
 * (authorization_code_invalid, unauthorized_client, inactive_user)
 */
export async function redeemAuthorizationCode(
  deps: AuthorizationCodeGrantDeps,
  redemption: CodeRedemption,
): Promise<CodeExchange> {
  let username: string | null = null;
  const refused = (error: AuthError, reuseDetected = false): CodeExchange => ({
    ok: false,
    error,
    username,
    reuseDetected,
  });
  const { client } = redemption;
  if (!client.grantTypes.includes("authorization_code")) {
    return refused(new AuthError("unauthorized_client", "the client may not redeem codes"));
  }
  if (!isAuthorizationCodeShaped(redemption.code)) return refused(invalid("not a code"));
  const codeHash = hashAuthorizationCode(redemption.code);
  const record = await deps.authorizationCodes.findAuthorizationCode(codeHash);
  // A code of another client is refused without touching it: its own client may still redeem it.
  if (record === undefined || record.clientId !== client.clientId) {
    return refused(invalid("unknown code, or a code of another client"));
  }
  username = record.username;
  const now = deps.clock.now();
  if (record.usedAt !== null) {
    await revokeIssued(deps, record.issued, now);
    return refused(invalid("a used code was presented again; what it issued is revoked"), true);
  }
  if (record.expiresAt <= now) return refused(invalid("the code expired"));
  if (redemption.redirectUri !== record.redirectUri) {
    return refused(invalid("redirect_uri differs from the authorization request's"));
  }
  if (
    redemption.codeVerifier === undefined ||
    !verifiesCodeChallenge(redemption.codeVerifier, record.codeChallenge)
  ) {
    return refused(invalid("the code verifier does not match the challenge"));
  }
  const user = await deps.users.findByUsername(record.username);
  const refusal = refusalFor(user, record.authTime);
  if (refusal !== undefined || user === undefined) return refused(refusal ?? invalid("no user"));

  // What was approved, as far as the catalogue, the user and the client still allow it now.
  const approved = record.scopes.filter((name): name is Scope => deps.scopes.has(name));
  const granted = intersectScopes(intersectScopes(approved, user.scopes), client.scopes);
  const familyId = randomUUID();
  const refreshToken = await startRefreshFamily(
    deps,
    { username: user.username, scopes: granted, clientId: client.clientId },
    now,
    { familyId },
  );
  const issued = deps.tokens.issue(user.username, granted, {
    clientId: client.clientId,
    audiences: client.audiences,
    issuedAtMs: now,
  });
  const accessTokenExpiresAt = now + issued.expiresIn * 1000;
  const redeemed = await deps.authorizationCodes.redeemAuthorizationCode(codeHash, now, {
    familyId,
    accessTokenId: issued.tokenId,
    accessTokenExpiresAt,
  });
  if (!redeemed) {
    // Lost a race with another use of the code: this family never leaves, and the winner's
    // tokens go too, since one of the two holders is not the client.
    await deps.refreshTokens.revokeRefreshFamily(familyId, now);
    const current = await deps.authorizationCodes.findAuthorizationCode(codeHash);
    if (current?.usedAt == null) return refused(invalid("the code expired"));
    await revokeIssued(deps, current.issued, now);
    return refused(invalid("a used code was presented again; what it issued is revoked"), true);
  }
  // As the password grant does: a cut-off that overtook the redemption refuses it.
  const overtaken = refusalFor(await deps.users.findByUsername(user.username), record.authTime);
  if (overtaken !== undefined) {
    await revokeIssued(
      deps,
      { familyId, accessTokenId: issued.tokenId, accessTokenExpiresAt },
      now,
    );
    return refused(overtaken);
  }
  return { ok: true, tokens: { ...issued, refreshToken }, username: user.username };
}

/** Why the user of a code whose login happened at `authTime` may not have tokens now. */
function refusalFor(user: UserRecord | undefined, authTime: number): AuthError | undefined {
  if (user === undefined || user.createdAt > authTime) {
    return invalid("the code's user no longer exists");
  }
  if (user.disabled) return new AuthError("inactive_user", "the code's user is disabled");
  if (user.tokensValidAfter !== null && user.tokensValidAfter > authTime) {
    return invalid("the user's tokens were taken back after the code was issued");
  }
  return undefined;
}

async function revokeIssued(
  deps: AuthorizationCodeGrantDeps,
  issued: {
    readonly familyId: string;
    readonly accessTokenId: string;
    readonly accessTokenExpiresAt: number;
  } | null,
  now: number,
): Promise<void> {
  if (issued === null) return;
  await deps.refreshTokens.revokeRefreshFamily(issued.familyId, now);
  await deps.denylist.denyAccessToken(issued.accessTokenId, issued.accessTokenExpiresAt, now);
}
