// Access tokens: issuing RFC 9068 JWTs with a pinned algorithm and key, and verifying them.

import { randomUUID } from "node:crypto";
import type { Checked } from "../brand.ts";
import type { Clock } from "../clock.ts";
import type { TokenKey, TokenKeySet } from "../keys/token-keys.ts";
import { compileSigner, staticKeySet } from "../keys/token-keys.ts";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { formatScopes } from "../scopes.ts";
import type { LegacyKeySource } from "./legacy-key-source.ts";
import {
  createTokenVerifier,
  type TokenVerifier,
  type TokenVerifierOptions,
} from "./token-verifier.ts";
import { readVerifiedAccessToken, type VerifiedAccessToken } from "./verified-access-token.ts";

/** A signed access token; made only by {@link TokenService.issue}. */
export type AccessToken = Checked<string, "AccessToken">;

/** What {@link TokenService.issue} returns: the token plus what the token response reports. */
export interface IssuedAccessToken {
  readonly token: AccessToken;
  readonly scopes: readonly Scope[];
  /** Seconds until expiry (RFC 6749 §5.1 `expires_in`). */
  readonly expiresIn: number;
  readonly tokenId: string;
}

/** Optional facts about a token request that the token records. */
export interface IssueOptions {
  /** The `client_id` the token request named; written as the RFC 9068 `client_id` claim. */
  readonly clientId?: string | undefined;
  /**
   * The `aud` for this token (a client's own audiences, RFC 9068 §3); empty or absent: the
   * service's configured audience.
   */
  readonly audiences?: readonly string[] | undefined;
  /**
   * When the token is issued, in ms; now by default. A refresh passes the time its exchange was
   * stored at, so a cut-off placed after that exchange also covers the token.
   */
  readonly issuedAtMs?: number | undefined;
}

/**
 * Issues access tokens, and verifies them with the one token verifier over its key set (plus the
 * FastAPI app's key while a migration window is open).
 */
export interface TokenService extends TokenVerifier<VerifiedAccessToken> {
  /** Signs a token for `subject` carrying `scopes`, with the key set's current signer. */
  issue(subject: string, scopes: readonly Scope[], options?: IssueOptions): IssuedAccessToken;
}

/** Options of {@link createTokenService}: exactly one of `key` and `keys`. */
export interface TokenServiceOptions {
  /** One fixed key. */
  readonly key?: TokenKey;
  /** A key set that may change while the service runs. */
  readonly keys?: TokenKeySet;
  readonly scopes: ScopeCatalogue;
  readonly clock: Clock;
  /** Access token lifetime in seconds; the seed's 30 minutes by default. */
  readonly lifetimeSeconds?: number;
  /** Written as `iss` and required on verify when set. */
  readonly issuer?: string;
  /** Written as `aud` (unless a client has its own) and required on verify when set. */
  readonly audience?: string;
  /**
   * Written as `client_id` when a token request had no client (RFC 9068 §2.2 requires the
   * claim); e.g. `passwordLoginClientId`. None by default.
   */
  readonly defaultClientId?: string;
  /**
   * Also write the granted scopes as a `scopes` JSON array, the claim FastAPI's scopes tutorial
   * reads (`payload.get("scopes", [])`), so apps built on it accept Gatehouse tokens.
   */
  readonly scopesArrayClaim?: boolean;
  /** Size of the verified-token cache (signature checks skipped on a hit); 0 turns it off. */
  readonly cacheSize?: number;
  /** How far ahead of the clock an `iat` may be; see {@link TokenVerifierOptions.clockSkewSeconds}. */
  readonly clockSkewSeconds?: number;
  /**
   * The longest lifetime accepted on verify; the issued lifetime by default, and never less.
   * See {@link TokenVerifierOptions.maxLifetimeSeconds}.
   */
  readonly maxLifetimeSeconds?: number;
  /** Also accept the replaced FastAPI app's tokens while its migration window is open. */
  readonly legacy?: LegacyKeySource | undefined;
}

/** The seed's access token lifetime: 30 minutes. */
export const defaultTokenLifetimeSeconds = 30 * 60;

/**
 * Creates the token service for a key (or a changing key set). The algorithm is pinned by each
 * key: the `alg` header of an incoming token is checked against the key its `kid` names, never
 * trusted, and no header member (`jku`, `x5u`, `x5c`, `jwk`) is ever followed.
 * @throws {RangeError} when the HS256 secret is shorter than 32 bytes (RFC 7518 §3.2, RFC 8725 §3.5)
 * @throws {TypeError} unless exactly one of `key` and `keys` is given
 * @throws {RangeError} when `maxLifetimeSeconds` is below the lifetime it issues
 * @example
 * const tokens = createTokenService({ key, scopes, clock: systemClock });
 * const { token } = tokens.issue("johndoe", scopes.check(["me"]));
 * tokens.verify(token).subject; // "johndoe"
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const { scopes, clock } = options;
  if ((options.key === undefined) === (options.keys === undefined)) {
    throw new TypeError("give the token service exactly one of key and keys");
  }
  const keys = options.keys ?? staticKeySet(options.key as TokenKey); // one of the two is set
  const lifetime = options.lifetimeSeconds ?? defaultTokenLifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime < 1) {
    throw new RangeError("token lifetime must be a positive whole number of seconds");
  }
  const maxLifetime = options.maxLifetimeSeconds ?? lifetime;
  if (maxLifetime < lifetime) {
    throw new RangeError("the longest accepted token lifetime is below the issued lifetime");
  }
  // Keyed by the key object: when a key set drops a key, its signer goes with it.
  const signers = new WeakMap<TokenKey, ReturnType<typeof compileSigner>>();
  const signerFor = (key: TokenKey): ReturnType<typeof compileSigner> => {
    if (!signers.has(key)) signers.set(key, compileSigner(key));
    return signers.get(key);
  };
  // Fails at construction, not at the first login, when the signer is unusable.
  signerFor(keys.signer());
  const verifier = createTokenVerifier({
    keys,
    legacy: options.legacy,
    clock,
    issuer: options.issuer,
    audience: options.audience,
    ...(options.cacheSize === undefined ? {} : { cacheSize: options.cacheSize }),
    ...(options.clockSkewSeconds === undefined
      ? {}
      : { clockSkewSeconds: options.clockSkewSeconds }),
    maxLifetimeSeconds: maxLifetime,
    read: (checked) => readVerifiedAccessToken(checked, scopes),
  });

  return {
    issue(subject, granted, issueOptions = {}) {
      const key = keys.signer();
      const sign = signerFor(key);
      if (sign === undefined) throw new TypeError(`signing key ${key.kid} has no private key`);
      const issuedAtMs = issueOptions.issuedAtMs ?? clock.now();
      const issuedAt = Math.floor(issuedAtMs / 1000);
      const tokenId = randomUUID();
      const claims = {
        sub: subject,
        iat: issuedAt,
        iat_ms: issuedAtMs,
        exp: issuedAt + lifetime,
        jti: tokenId,
        scope: formatScopes(granted),
        ...(options.scopesArrayClaim === true ? { scopes: [...granted] } : {}),
        ...(options.issuer === undefined ? {} : { iss: options.issuer }),
        ...audienceClaim(issueOptions.audiences, options.audience),
        ...clientIdClaim(issueOptions.clientId ?? options.defaultClientId),
      };
      // The one place an AccessToken is made: the string fast-jwt just signed.
      const token = sign(claims) as AccessToken;
      return { token, scopes: granted, expiresIn: lifetime, tokenId };
    },

    verify: verifier.verify,
    refreshKeysFor: verifier.refreshKeysFor,
  };
}

// One audience is written as a string, several as an array (RFC 7519 §4.1.3).
function audienceClaim(
  own: readonly string[] | undefined,
  configured: string | undefined,
): { aud?: string | string[] } {
  const [first, ...rest] = own ?? [];
  if (first !== undefined) return { aud: rest.length === 0 ? first : [first, ...rest] };
  return configured === undefined ? {} : { aud: configured };
}

function clientIdClaim(clientId: string | undefined): { client_id?: string } {
  return clientId === undefined ? {} : { client_id: clientId };
}
