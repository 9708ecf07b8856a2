// Access tokens: issuing and verifying RFC 9068 JWTs with a pinned algorithm and key.

import { randomUUID } from "node:crypto";
import type { Awaitable } from "../awaitable.ts";
import type { Checked } from "../brand.ts";
import type { Clock } from "../clock.ts";
import { AuthError, isAuthError } from "../errors.ts";
import type { CompiledKey, TokenKey, TokenKeySet } from "../keys/token-keys.ts";
import { compileKey, peekKeyId, staticKeySet } from "../keys/token-keys.ts";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { formatScopes } from "../scopes.ts";
import { claimsSchema, hasAudience, headerSchema, issuedAtMillis } from "./claims.ts";
import { createVerifiedTokenCache } from "./verified-token-cache.ts";

/** A signed access token; made only by {@link TokenService.issue}. */
export type AccessToken = Checked<string, "AccessToken">;

/** The claims of a token that passed every check. */
export interface VerifiedAccessToken {
  readonly subject: string;
  /** Granted scopes that are still in the catalogue. */
  readonly scopes: readonly Scope[];
  readonly tokenId: string;
  /** Seconds since the epoch, as on the wire. */
  readonly issuedAt: number;
  /**
   * Milliseconds since the epoch, from the private `iat_ms` claim (so a per-user cut-off set in
   * the same second as a login can tell before from after); `issuedAt * 1000` when absent.
   */
  readonly issuedAtMs: number;
  readonly expiresAt: number;
  /** RFC 9068 `client_id`, present when the token request named a client. */
  readonly clientId?: string;
}

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
}

/** Issues and verifies access tokens. */
export interface TokenService {
  /** Signs a token for `subject` carrying `scopes`, with the key set's current signer. */
  issue(subject: string, scopes: readonly Scope[], options?: IssueOptions): IssuedAccessToken;
  /**
   * Verifies signature, algorithm, `typ`, `kid`, time claims and shape, synchronously (no thread
   * pool, so verification never queues behind password hashing).
   * @throws {AuthError} token_invalid for anything malformed, forged, not yet valid, or signed by
   * a key that is unknown or retired
   * @throws {AuthError} token_expired when `exp` is now or in the past
   */
  verify(token: string): VerifiedAccessToken;
  /**
   * When `token` names a key this service does not know, asks the key set to re-read its keys
   * (rate-limited) and tells whether the key is known now — so a token signed by a key rotated
   * in on another instance verifies. Never throws.
   */
  refreshKeysFor(token: string): Promise<boolean>;
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
  /** Written as `aud` and required on verify when set. */
  readonly audience?: string;
  /**
   * Also write the granted scopes as a `scopes` JSON array, the claim FastAPI's scopes tutorial
   * reads (`payload.get("scopes", [])`), so apps built on it accept Gatehouse tokens.
   */
  readonly scopesArrayClaim?: boolean;
  /** Size of the verified-token cache (signature checks skipped on a hit); 0 turns it off. */
  readonly cacheSize?: number;
}

/** The seed's access token lifetime: 30 minutes. */
export const defaultTokenLifetimeSeconds = 30 * 60;

/** Tokens longer than this are refused unread: a real one is a few hundred bytes. */
export const maxTokenLength = 4096;

/** What the verified-token cache keeps: the claims, the key that verified them, and `nbf`. */
interface CheckedToken {
  readonly verified: VerifiedAccessToken;
  readonly kid: string;
  readonly notBefore: number | undefined;
}

/**
 * Creates the token service for a key (or a changing key set). The algorithm is pinned by each
 * key: the `alg` header of an incoming token is checked against the key its `kid` names, never
 * trusted, and no header member (`jku`, `x5u`, `x5c`, `jwk`) is ever followed.
 * @throws {RangeError} when the HS256 secret is shorter than 32 bytes (RFC 7518 §3.2, RFC 8725 §3.5)
 * @throws {TypeError} unless exactly one of `key` and `keys` is given
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
  // Keyed by the key object: when a key set drops a key, its verifier goes with it.
  const compiled = new WeakMap<TokenKey, CompiledKey>();
  const compiledFor = (key: TokenKey): CompiledKey => {
    let entry = compiled.get(key);
    if (entry === undefined) {
      entry = compileKey(key);
      compiled.set(key, entry);
    }
    return entry;
  };
  // Keyed by the token string itself: a hit skips hashing, signature and schema work entirely
  // (the verifier's share of the per-request profile in the benchmarks).
  const cache = createVerifiedTokenCache<CheckedToken>(options.cacheSize ?? 1000);

  function checkToken(token: string): CheckedToken {
    const kid = peekKeyId(token);
    const key = kid === undefined ? undefined : keys.find(kid);
    if (key === undefined) {
      throw new AuthError("token_invalid", "token names no signing key this service accepts");
    }
    let decoded: { header: unknown; payload: unknown };
    try {
      decoded = compiledFor(key).check(token);
    } catch (cause) {
      throw new AuthError("token_invalid", "token failed signature or format checks", { cause });
    }
    const header = headerSchema.safeParse(decoded.header);
    if (!header.success || header.data.alg !== key.algorithm || header.data.kid !== key.kid) {
      throw new AuthError("token_invalid", "token header is not one this service issues");
    }
    const parsed = claimsSchema.safeParse(decoded.payload);
    if (!parsed.success) {
      throw new AuthError("token_invalid", "token claims are missing or of the wrong type");
    }
    const claims = parsed.data;
    if (options.issuer !== undefined && claims.iss !== options.issuer) {
      throw new AuthError("token_invalid", "token issuer does not match");
    }
    if (options.audience !== undefined && !hasAudience(claims.aud, options.audience)) {
      throw new AuthError("token_invalid", "token audience does not match");
    }
    const verified: VerifiedAccessToken = Object.freeze({
      subject: claims.sub,
      scopes: Object.freeze((claims.scope ?? "").split(" ").filter((name) => scopes.has(name))),
      tokenId: claims.jti,
      issuedAt: claims.iat,
      issuedAtMs: issuedAtMillis(claims.iat, claims.iat_ms),
      expiresAt: claims.exp,
      ...(claims.client_id === undefined ? {} : { clientId: claims.client_id }),
    });
    return { verified, kid: key.kid, notBefore: claims.nbf };
  }
  // Fails at construction, not at the first login, when the signer is unusable.
  compiledFor(keys.signer());

  return {
    issue(subject, granted, issueOptions = {}) {
      const key = keys.signer();
      const sign = compiledFor(key).sign;
      if (sign === undefined) throw new TypeError(`signing key ${key.kid} has no private key`);
      const issuedAtMs = clock.now();
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
        ...(options.audience === undefined ? {} : { aud: options.audience }),
        ...(issueOptions.clientId === undefined ? {} : { client_id: issueOptions.clientId }),
      };
      // The one place an AccessToken is made: the string fast-jwt just signed.
      const token = sign(claims) as AccessToken;
      return { token, scopes: granted, expiresIn: lifetime, tokenId };
    },

    verify(token) {
      if (token.length === 0 || token.length > maxTokenLength) {
        throw new AuthError("token_invalid", "token is empty or too long");
      }
      let checked = cache.get(token);
      if (checked === undefined) {
        checked = checkToken(token);
        cache.set(token, checked);
      } else if (keys.find(checked.kid) === undefined) {
        // A key retired since the token was cached is refused on a cache hit too.
        throw new AuthError("token_invalid", "token names no signing key this service accepts");
      }
      const now = clock.now() / 1000;
      if (checked.notBefore !== undefined && checked.notBefore > now) {
        throw new AuthError("token_invalid", "token is not valid yet");
      }
      // RFC 7519 §4.1.4: the token must not be accepted on or after its expiration time.
      if (checked.verified.expiresAt <= now) {
        throw new AuthError("token_expired", "token has expired");
      }
      return checked.verified;
    },

    async refreshKeysFor(token) {
      const kid = token.length > maxTokenLength ? undefined : peekKeyId(token);
      if (kid === undefined || keys.reload === undefined || keys.find(kid) !== undefined) {
        return false;
      }
      try {
        await keys.reload(kid);
      } catch {
        // The key set reports its own failures; an unreadable store leaves the token refused.
        return false;
      }
      return keys.find(kid) !== undefined;
    },
  };
}

/**
 * {@link TokenService.verify}, except that a token naming a key this instance does not know yet
 * makes it re-read the key set once (rate-limited) and try again — for the paths (`authorize`,
 * introspection, revocation) that must honour a key rotated in on another instance. A token that
 * verifies is answered at once; only a failing one gets a promise, and can pay for a key-set read.
 * It never throws: a refused token is a rejected promise.
 * @throws {AuthError} as {@link TokenService.verify}, through the promise
 */
export function verifyWithKeyRefresh(
  tokens: TokenService,
  token: string,
): Awaitable<VerifiedAccessToken> {
  try {
    return tokens.verify(token);
  } catch (error) {
    return retryWithFreshKeys(tokens, token, error);
  }
}

async function retryWithFreshKeys(
  tokens: TokenService,
  token: string,
  error: unknown,
): Promise<VerifiedAccessToken> {
  if (isAuthError(error, "token_invalid") && (await tokens.refreshKeysFor(token))) {
    return tokens.verify(token);
  }
  throw error;
}
