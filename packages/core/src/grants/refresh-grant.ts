// The refresh token grant (RFC 6749 §6) with rotation, reuse detection and a retry window (RFC 9700 §4.14).
import type { Client } from "../clients/client.ts";
import { AuthError, isAuthError } from "../errors.ts";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { intersectScopes, missingScopes } from "../scopes.ts";
import type {
  RefreshFamilyDeps,
  RefreshToken,
  RefreshTokenRecord,
} from "../tokens/refresh-tokens.ts";
import {
  hashRefreshToken,
  isRefreshTokenShaped,
  mintRefreshToken,
} from "../tokens/refresh-tokens.ts";
import type { IssuedAccessToken, TokenService } from "../tokens/tokens.ts";
import type { UserRecord, UserStore } from "../users/user.ts";

/** What {@link refreshGrant} needs. */
export interface RefreshGrantDeps extends RefreshFamilyDeps {
  readonly users: UserStore;
  readonly tokens: TokenService;
  readonly scopes: ScopeCatalogue;
}

/** A refresh token grant request after its form was parsed. */
export interface RefreshGrantRequest {
  readonly refreshToken: string;
  /** Parsed `scope`; `undefined` asks for the family's scopes. */
  readonly scopes: readonly Scope[] | undefined;
  /**
   * The client that presented the token, as it authenticated (a confidential client by its
   * secret, a public one by its id); absent or `undefined` when the request presented none.
   * Only the family's own client may refresh it, and its `client_id` and audiences go into the
   * new access token.
   */
  readonly client?: Pick<Client, "clientId" | "audiences"> | undefined;
}

/** A new access token and the refresh token that replaces the one presented. */
export interface RefreshedTokens extends IssuedAccessToken {
  readonly refreshToken: RefreshToken;
}

/**
 * How a refresh token exchange ended, with what the audit trail needs: whose token it was (when
 * the token was known) and whether a spent token was presented again.
 */
export type RefreshExchange =
  | {
      readonly ok: true;
      readonly tokens: RefreshedTokens;
      readonly username: string;
      /** The previous token was retried within the grace window, not the current one used. */
      readonly retried: boolean;
    }
  | {
      readonly ok: false;
      readonly error: AuthError;
      /** The user the presented token was issued to; `null` when the token is unknown. */
      readonly username: string | null;
      /** A spent token was presented again, and its whole family was revoked. */
      readonly reuseDetected: boolean;
    };

const invalid = (message: string): AuthError => new AuthError("refresh_token_invalid", message);

/**
 * Tells whether a refresh token record may still be used for `user`: family not revoked, token
 * not expired, family started after the user was created and after the user's cut-off.
 */
export function isRefreshTokenUsable(
  record: RefreshTokenRecord,
  user: UserRecord,
  now: number,
): boolean {
  return (
    !record.familyRevoked &&
    record.expiresAt > now &&
    record.familyExpiresAt > now &&
    // A user deleted and created again under the same name does not inherit old logins.
    record.familyCreatedAt >= user.createdAt &&
    (user.tokensValidAfter === null || record.familyCreatedAt >= user.tokensValidAfter)
  );
}

/** Requested scopes may narrow the family's, never widen them; the user's current scopes cap both. */
function grantedScopes(
  deps: RefreshGrantDeps,
  record: RefreshTokenRecord,
  user: UserRecord,
  requested: readonly Scope[] | undefined,
): Scope[] {
  const family = record.scopes.filter((name) => deps.scopes.has(name));
  if (requested !== undefined && missingScopes(family, requested).length > 0) {
    // RFC 6749 §6: "MUST NOT include any scope not originally granted by the resource owner".
    throw new AuthError("invalid_scope", "a refresh cannot widen the scope of its family");
  }
  return intersectScopes(requested ?? family, user.scopes);
}

/**
 * Exchanges a refresh token for a new access token and a new refresh token; the one presented
 * is spent. Checks, in order: the token is known; it is presented by the client its family was
 * issued to (RFC 6749 §6, §10.4: by no client when it was issued to none); its user exists and
 * is active; its family is not revoked, expired (idle or absolute) or older than the user's
 * cut-off; the requested scope does not widen the family's. Then it rotates in one atomic store
 * step. The new access token names the family's client in `client_id` and carries that client's
 * audiences as they are registered now.
 *
 * Presenting a spent token revokes its whole family (reuse detection) — except once, within
 * `reuseGraceSeconds` of its rotation, while the token it was exchanged for is still unused:
 * that retry gets a fresh pair from the same family and the unused successor is discarded, so a
 * family never has more than one live refresh token.
 * @throws {AuthError} refresh_token_invalid for an unknown, spent, revoked, expired or cut-off
 * token, or one presented by another client than its family's
 * @throws {AuthError} inactive_user when the token's user is disabled
 * @throws {AuthError} invalid_scope when the requested scope widens the family's
 * @example
 * const { token, refreshToken } = await refreshGrant(deps, { refreshToken: presented, scopes: undefined });
 */
export async function refreshGrant(
  deps: RefreshGrantDeps,
  request: RefreshGrantRequest,
): Promise<RefreshedTokens> {
  const exchange = await exchangeRefreshToken(deps, request);
  if (!exchange.ok) throw exchange.error;
  return exchange.tokens;
}

/**
 * {@link refreshGrant} reporting how it ended instead of throwing an {@link AuthError}, with the
 * token's user and whether reuse was detected, so the token endpoint can audit every outcome.
 * Errors other than AuthError (a store failing) are still thrown.
 * @example
 * const exchange = await exchangeRefreshToken(deps, { refreshToken: presented, scopes: undefined });
 * if (exchange.ok) console.log(exchange.username, exchange.tokens.expiresIn);
 */
export async function exchangeRefreshToken(
  deps: RefreshGrantDeps,
  request: RefreshGrantRequest,
): Promise<RefreshExchange> {
  let username: string | null = null;
  const refused = (error: AuthError, reuseDetected = false): RefreshExchange => ({
    ok: false,
    error,
    username,
    reuseDetected,
  });
  try {
    if (!isRefreshTokenShaped(request.refreshToken)) return refused(invalid("not a refresh token"));
    const tokenHash = hashRefreshToken(request.refreshToken);
    const now = deps.clock.now();
    let record = await deps.refreshTokens.findRefreshToken(tokenHash);
    if (record === undefined) return refused(invalid("unknown refresh token"));
    username = record.username;
    // RFC 6749 §10.4: a refresh token is bound to its client. Checked before anything else, and
    // with no side effect: another client presenting a spent token neither revokes the family
    // nor learns more than that the token is not its own.
    if (record.clientId !== (request.client?.clientId ?? null)) {
      return refused(invalid("the refresh token was issued to another client"));
    }
    const user = await deps.users.findByUsername(record.username);
    if (user === undefined) return refused(invalid("the refresh token's user no longer exists"));
    if (user.disabled) {
      return refused(new AuthError("inactive_user", "the refresh token's user is disabled"));
    }
    if (record.familyRevoked) return refused(invalid("the refresh token's family is revoked"));
    // RFC 6749 §6: a refresh token issued to a client is refreshed by that client only.
    if (record.clientId !== null && request.client?.clientId !== record.clientId) {
      return refused(invalid("the refresh token was issued to another client"));
    }
    const scopes = grantedScopes(deps, record, user, request.scopes);
    const successor = mintRefreshToken(deps.refreshPolicy, now, record.familyExpiresAt);
    const issued = (retried: boolean): RefreshExchange => ({
      ok: true,
      // Issued at the time the exchange stored: a "log out everywhere" that revokes the family
      // after this exchange places its cut-off past it (see lastRefreshIssuedAt).
      tokens: {
        ...deps.tokens.issue(user.username, scopes, {
          issuedAtMs: successor.row.issuedAt,
          // The client-less login's family gets the service's default client_id and audience.
          clientId: request.client?.clientId,
          audiences: request.client?.audiences,
        }),
        refreshToken: successor.token,
      },
      username: user.username,
      retried,
    });

    if (record.state === "active") {
      if (!isRefreshTokenUsable(record, user, now)) {
        return refused(invalid("the refresh token expired"));
      }
      if (await deps.refreshTokens.rotateRefreshToken(tokenHash, successor.row, now)) {
        return issued(false);
      }
      // Lost a race with a concurrent use of the same token: it is spent now, so read it again.
      record = await deps.refreshTokens.findRefreshToken(tokenHash);
      if (record === undefined || record.familyRevoked) {
        return refused(invalid("the refresh token is gone"));
      }
    }

    const graceMs = deps.refreshPolicy.reuseGraceSeconds * 1000;
    if (
      record.state === "rotated" &&
      graceMs > 0 &&
      isRefreshTokenUsable({ ...record, expiresAt: Number.POSITIVE_INFINITY }, user, now) &&
      (await deps.refreshTokens.retryRefreshToken(tokenHash, successor.row, now, now - graceMs + 1))
    ) {
      return issued(true);
    }
    // RFC 9700 §4.14.2: a spent refresh token used again means one of two holders is an attacker;
    // the server cannot tell which, so the whole family goes.
    await deps.refreshTokens.revokeRefreshFamily(record.familyId, now);
    return refused(
      invalid("a spent refresh token was presented again; its family is revoked"),
      true,
    );
  } catch (error) {
    // grantedScopes refuses a widening scope by throwing.
    if (isAuthError(error)) return refused(error);
    throw error;
  }
}
