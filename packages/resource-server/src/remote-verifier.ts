// Accepting Gatehouse tokens in another service: the core token verifier over the issuer's JWKS.
import { systemClock } from "gatehouse-auth-core/clock";
import { AuthError } from "gatehouse-auth-core/errors";
import { peekKeyId } from "gatehouse-auth-core/keys/token-keys";
import { type AccessTokenClaims, grantedScopeNames } from "gatehouse-auth-core/tokens/claims";
import {
  createTokenVerifier,
  defaultClockSkewSeconds,
  defaultMaxTokenLifetimeSeconds,
  maxTokenLength,
  verifyWithKeyRefresh,
} from "gatehouse-auth-core/tokens/token-verifier";
import { createJwksKeySource, type JwksKeySourceOptions } from "./jwks-key-source.ts";
import {
  createRevocationSubscription,
  type RevocationOptions,
  type RevocationSubscription,
} from "./revocation-subscription.ts";

export type { GuardOptions, TokenRefusal } from "./guard-outcome.ts";
export type { RemoteAlgorithm } from "./jwks-key-source.ts";
export type {
  RevocationOptions,
  RevocationState,
  RevocationSubscription,
} from "./revocation-subscription.ts";

/** Options of {@link createRemoteVerifier}. */
export interface RemoteVerifierOptions extends JwksKeySourceOptions {
  /** Required as the token's `iss` (Gatehouse writes it when `GATEHOUSE_ISSUER` is set). */
  readonly issuer: string;
  /** When set, the token's `aud` must contain it. */
  readonly audience?: string;
  /**
   * How far ahead of this clock a token's `iat` may be, in seconds; 60 by default. A token issued
   * further in the future is refused.
   */
  readonly clockSkewSeconds?: number;
  /**
   * The longest lifetime (`exp` after `iat`) accepted, in seconds; one day by default. Set it to
   * the issuer's `GATEHOUSE_MAX_TOKEN_LIFETIME_SECONDS`.
   */
  readonly maxLifetimeSeconds?: number;
  /**
   * Follow Gatehouse's security event stream, so a revoked token, a user logged out everywhere,
   * disabled or deleted is refused at once rather than at its expiry — still without a call to
   * Gatehouse per request (see {@link RevocationOptions}).
   */
  readonly revocations?: RevocationOptions;
}

/** The claims of a verified token: the RFC 9068 ones typed, any others kept as they came. */
export type RemoteClaims = AccessTokenClaims & { readonly iss: string };

/** The verified caller: who, with which scopes, and every claim of the token. */
export interface RemotePrincipal {
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly claims: RemoteClaims;
}

/** Verifies Gatehouse access tokens against the issuer's published keys. */
export interface RemoteVerifier {
  /**
   * Verifies `token` and checks it carries every scope in `required`.
   * @throws {AuthError} token_invalid for a bad signature, unknown or refused key, wrong `typ`,
   * `iss` or `aud`, a `nbf` or `iat` in the future, a lifetime above the longest accepted, or
   * malformed claims
   * @throws {AuthError} token_expired when `exp` is now or past
   * @throws {AuthError} insufficient_scope when a required scope is missing
   * @throws {AuthError} token_invalid or inactive_user, with `revocations`, for a token revoked,
   * issued before its user's cut-off or a gap in the stream, or of a deleted or disabled user
   * @throws {AuthError} revocations_unavailable, with `revocations`, while it fails closed
   */
  verify(token: string, required?: readonly string[]): Promise<RemotePrincipal>;
  /**
   * The security event subscription, with the `revocations` option: its state for health checks,
   * and `close()` for shutdown. `undefined` without it.
   */
  readonly revocations?: RevocationSubscription;
}

/**
 * Creates a verifier for tokens of the Gatehouse at `issuer`: the core token verifier (algorithm
 * pinned per key, `typ: at+jwt`, one claims schema, time claims checked on every call, verified
 * tokens cached) over a JWKS key source. Keys come only from `jwksUrl` (never from a token's
 * `jku`, `x5u`, `x5c` or `jwk` header), are cached for `cacheSeconds`, and are fetched again at
 * once when a token names an unknown `kid` — at most once per `unknownKeyCooldownSeconds`, so
 * made-up key ids cannot make it hammer the issuer. A failed fetch keeps the keys it had. Only
 * EdDSA and ES256 keys are used: a shared secret cannot be published, so an HS256 token is
 * always refused.
 * @example
 * const verifier = createRemoteVerifier({
 *   jwksUrl: "https://auth.example.com/.well-known/jwks.json",
 *   issuer: "https://auth.example.com",
 * });
 * const principal = await verifier.verify(token, ["items"]);
 */
export function createRemoteVerifier(options: RemoteVerifierOptions): RemoteVerifier {
  const { issuer } = options;
  const keys = createJwksKeySource(options);
  const clock = options.clock ?? systemClock;
  const verifier = createTokenVerifier<RemotePrincipal>({
    keys,
    clock,
    issuer,
    audience: options.audience,
    ...(options.clockSkewSeconds === undefined
      ? {}
      : { clockSkewSeconds: options.clockSkewSeconds }),
    ...(options.maxLifetimeSeconds === undefined
      ? {}
      : { maxLifetimeSeconds: options.maxLifetimeSeconds }),
    // A resource server neither revokes by `jti` nor cuts off by `iat`: only `iss` is added.
    requiredClaims: [],
    read: ({ claims, form }) =>
      Object.freeze({
        subject: claims.sub,
        scopes: Object.freeze(grantedScopeNames(claims, form)),
        // The verifier has just checked `iss` equals the configured issuer.
        claims: Object.freeze({ ...claims, iss: issuer }),
      }),
  });

  const revocations =
    options.revocations === undefined
      ? undefined
      : createRevocationSubscription(options.revocations, {
          keys,
          issuer,
          jwksUrl: new URL(options.jwksUrl),
          clock,
          fetch: options.fetch ?? ((url, init) => fetch(url, init)),
          // The oldest a token this verifier accepts can be: its events must all be read.
          horizonMs:
            ((options.maxLifetimeSeconds ?? defaultMaxTokenLifetimeSeconds) +
              (options.clockSkewSeconds ?? defaultClockSkewSeconds)) *
            1000,
        });

  return {
    ...(revocations === undefined ? {} : { revocations }),
    async verify(token, required = []) {
      // Only a token that names a key may wait on a fetch; malformed ones are refused unread.
      if (token.length > 0 && token.length <= maxTokenLength && peekKeyId(token) !== undefined) {
        await keys.refreshIfStale();
      }
      const principal = await verifyWithKeyRefresh(verifier, token);
      revocations?.check(principal);
      if (required.some((scope) => !principal.scopes.includes(scope))) {
        throw new AuthError("insufficient_scope", "the token lacks a required scope");
      }
      return principal;
    },
  };
}
