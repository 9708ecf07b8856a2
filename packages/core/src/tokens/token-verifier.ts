// The one access-token verification pipeline: size, header, key from a source, signature, claims, time.
import type { Awaitable } from "../awaitable.ts";
import type { Clock } from "../clock.ts";
import { AuthError, isAuthError } from "../errors.ts";
import type { TokenCheck, TokenKey } from "../keys/token-keys.ts";
import { compileVerifier, peekHeader, peekKeyId } from "../keys/token-keys.ts";
import {
  type AccessTokenClaims,
  accessTokenClaimsSchema,
  hasAudience,
  isAccessTokenType,
  isFastapiHeader,
  type TokenForm,
  tokenHeaderSchema,
} from "./claims.ts";
import type { KeySource } from "./key-source.ts";
import type { LegacyKeySource } from "./legacy-key-source.ts";
import { createVerifiedTokenCache } from "./verified-token-cache.ts";

/** Tokens longer than this are refused unread: a real one is a few hundred bytes. */
export const maxTokenLength = 4096;

/** How far ahead of the verifier's clock a token's `iat` may be, by default: one minute. */
export const defaultClockSkewSeconds = 60;

/** The longest lifetime (`exp` after `iat`, or after now) a verifier accepts by default: one day. */
export const defaultMaxTokenLifetimeSeconds = 86_400;

/** A claim an RFC 9068 token may be required to carry beyond `sub` and `exp`. */
export type RequirableClaim = "iat" | "jti";

/** A token whose signature, header and claims passed: what {@link TokenVerifierOptions.read} reads. */
export interface CheckedToken {
  readonly claims: AccessTokenClaims;
  readonly form: TokenForm;
  /** The token itself, e.g. to derive an id for a token without `jti`. */
  readonly token: string;
}

/** Options of {@link createTokenVerifier}. */
export interface TokenVerifierOptions<Verified> {
  /** Where RFC 9068 tokens' keys come from, by `kid`. */
  readonly keys: KeySource;
  /** Also accept the replaced FastAPI app's tokens while its window is open. */
  readonly legacy?: LegacyKeySource | undefined;
  readonly clock: Clock;
  /** Required as `iss` of an RFC 9068 token when set. */
  readonly issuer?: string | undefined;
  /** Required in `aud` of an RFC 9068 token when set. */
  readonly audience?: string | undefined;
  /** Claims an RFC 9068 token must carry beyond `sub` and `exp`; `iat` and `jti` by default. */
  readonly requiredClaims?: readonly RequirableClaim[];
  /** Size of the verified-token cache (signature checks skipped on a hit); 0 turns it off. */
  readonly cacheSize?: number;
  /**
   * How far ahead of the clock a token's `iat` may be, in seconds ({@link defaultClockSkewSeconds}
   * by default); a token issued further in the future is refused.
   */
  readonly clockSkewSeconds?: number;
  /**
   * The longest lifetime a token may have, in seconds ({@link defaultMaxTokenLifetimeSeconds} by
   * default): `exp` more than this after `iat` — or, for a token without `iat`, after now plus the
   * clock skew — is refused.
   */
  readonly maxLifetimeSeconds?: number;
  /** Turns a checked token into what `verify` returns; called once per token, then cached. */
  read(checked: CheckedToken): Verified;
}

/** Verifies access tokens; see {@link createTokenVerifier}. */
export interface TokenVerifier<Verified> {
  /**
   * Verifies size, signature, algorithm, `typ`, `kid`, shape, issuer, audience and time claims,
   * synchronously (no thread pool, so verification never queues behind password hashing).
   * @throws {AuthError} token_invalid for anything malformed, forged, not yet valid, or signed by
   * a key that is unknown or retired
   * @throws {AuthError} token_expired when `exp` is now or in the past
   */
  verify(token: string): Verified;
  /**
   * When `token` names a key the source does not know, asks it to re-read its keys (rate-limited
   * by the source) and tells whether the key is known now — so a token signed by a key rotated
   * in elsewhere verifies. Never throws.
   */
  refreshKeysFor(token: string): Promise<boolean>;
}

/** What the verified-token cache keeps: the reading, the key that verified it, and the times. */
interface CacheEntry<Verified> {
  readonly verified: Verified;
  /** The `kid` of the source's key; `undefined` when the legacy key verified it. */
  readonly kid: string | undefined;
  readonly notBefore: number | undefined;
  readonly issuedAt: number | undefined;
  readonly expiresAt: number;
}

const invalid = (message: string): AuthError => new AuthError("token_invalid", message);

/**
 * Creates the verifier of access tokens. The pipeline, for every key source: refuse a token
 * longer than {@link maxTokenLength} unread; peek at its header to choose the key — by `kid` from
 * `keys` for an RFC 9068 token, the legacy key for any other while its window is open; check the
 * signature with that key's own algorithm only (the header's `alg` is then compared with the
 * key's, never trusted, and no header member such as `jku`, `x5u`, `x5c` or `jwk` is followed);
 * validate the claims with the one schema; check issuer, audience and required claims of an
 * RFC 9068 token; refuse a lifetime (`exp` after `iat`) above `maxLifetimeSeconds`; read the
 * claims with `read`; and check `nbf`, `iat` (no further ahead than `clockSkewSeconds`), `exp`
 * and, for a token without `iat`, `exp` no further ahead than the longest lifetime, against the
 * clock on every call. The result of everything but the time checks is cached by token string, and a
 * cache hit is refused once its key has left the source or the legacy window has closed.
 * @throws {RangeError} when `cacheSize`, `clockSkewSeconds` or `maxLifetimeSeconds` is negative or
 * not an integer, or `maxLifetimeSeconds` is 0
 * @example
 * const verifier = createTokenVerifier({
 *   keys: staticKeySet(key),
 *   clock: systemClock,
 *   read: (checked) => readVerifiedAccessToken(checked, scopes),
 * });
 * verifier.verify(token).subject; // "johndoe"
 */
export function createTokenVerifier<Verified>(
  options: TokenVerifierOptions<Verified>,
): TokenVerifier<Verified> {
  const { keys, legacy, clock, issuer, audience, read } = options;
  const required = options.requiredClaims ?? ["iat", "jti"];
  const skew = options.clockSkewSeconds ?? defaultClockSkewSeconds;
  const maxLifetime = options.maxLifetimeSeconds ?? defaultMaxTokenLifetimeSeconds;
  if (!Number.isInteger(skew) || skew < 0) {
    throw new RangeError("clockSkewSeconds must be a whole number of seconds, 0 or more");
  }
  if (!Number.isInteger(maxLifetime) || maxLifetime < 1) {
    throw new RangeError("maxLifetimeSeconds must be a positive whole number of seconds");
  }
  // Keyed by the key object: when a source drops a key, its compiled check goes with it.
  const compiled = new WeakMap<TokenKey, TokenCheck>();
  const checkFor = (key: TokenKey): TokenCheck => {
    let check = compiled.get(key);
    if (check === undefined) {
      check = compileVerifier(key);
      compiled.set(key, check);
    }
    return check;
  };
  // Keyed by the token string itself: a hit skips hashing, signature and schema work entirely
  // (the verifier's share of the per-request profile in the benchmarks).
  const cache = createVerifiedTokenCache<CacheEntry<Verified>>(options.cacheSize ?? 1000);

  function check(token: string): CacheEntry<Verified> {
    const peeked = peekHeader(token);
    const form: TokenForm =
      legacy !== undefined && !isAccessTokenType(peeked?.typ) && legacy.isOpen()
        ? "fastapi"
        : "at+jwt";
    const kid = peeked?.kid;
    const key = form === "fastapi" ? legacy?.key : kid === undefined ? undefined : keys.find(kid);
    if (key === undefined) throw invalid("token names no signing key this verifier accepts");
    let decoded: { header: unknown; payload: unknown };
    try {
      decoded = checkFor(key)(token);
    } catch (cause) {
      throw new AuthError("token_invalid", "token failed signature or format checks", { cause });
    }
    const header = tokenHeaderSchema.safeParse(decoded.header);
    const fits =
      header.success &&
      header.data.alg === key.algorithm &&
      (form === "fastapi"
        ? isFastapiHeader(header.data)
        : isAccessTokenType(header.data.typ) && header.data.kid === key.kid);
    if (!fits) throw invalid("token header is not one of an access token of this key");
    const parsed = accessTokenClaimsSchema.safeParse(decoded.payload);
    if (!parsed.success) throw invalid("token claims are missing or of the wrong type");
    const claims = parsed.data;
    if (form === "at+jwt") {
      if (required.some((claim) => claims[claim] === undefined)) {
        throw invalid("token lacks a required claim");
      }
      if (issuer !== undefined && claims.iss !== issuer) {
        throw invalid(`token issuer does not match: expected ${issuer}`);
      }
      if (audience !== undefined && !hasAudience(claims.aud, audience)) {
        throw invalid(`token audience does not match: expected ${audience}`);
      }
    }
    if (claims.iat !== undefined && claims.exp - claims.iat > maxLifetime) {
      throw invalid("token lifetime exceeds the longest accepted");
    }
    return {
      verified: read({ claims, form, token }),
      kid: form === "fastapi" ? undefined : key.kid,
      notBefore: claims.nbf,
      issuedAt: claims.iat,
      expiresAt: claims.exp,
    };
  }

  return {
    verify(token) {
      if (token.length === 0 || token.length > maxTokenLength) {
        throw invalid("token is empty or too long");
      }
      let entry = cache.get(token);
      if (entry === undefined) {
        entry = check(token);
        cache.set(token, entry);
      } else if (
        entry.kid === undefined ? legacy?.isOpen() !== true : keys.find(entry.kid) === undefined
      ) {
        // A key retired (or a legacy window closed) since the token was cached is refused on a
        // cache hit too.
        throw invalid("token names no signing key this verifier accepts");
      }
      const now = clock.now() / 1000;
      if (entry.notBefore !== undefined && entry.notBefore > now) {
        throw invalid("token is not valid yet");
      }
      // A token from the future would outlive every cut-off set before its `iat`.
      if (entry.issuedAt !== undefined && entry.issuedAt > now + skew) {
        throw invalid("token is issued in the future");
      }
      if (entry.issuedAt === undefined && entry.expiresAt > now + skew + maxLifetime) {
        throw invalid("token lifetime exceeds the longest accepted");
      }
      // RFC 7519 §4.1.4: the token must not be accepted on or after its expiration time.
      if (entry.expiresAt <= now) {
        throw new AuthError("token_expired", "token has expired");
      }
      return entry.verified;
    },

    async refreshKeysFor(token) {
      const kid = token.length > maxTokenLength ? undefined : peekKeyId(token);
      if (kid === undefined || keys.reload === undefined || keys.find(kid) !== undefined) {
        return false;
      }
      try {
        await keys.reload(kid);
      } catch {
        // The source reports its own failures; an unreadable source leaves the token refused.
        return false;
      }
      return keys.find(kid) !== undefined;
    },
  };
}

/**
 * {@link TokenVerifier.verify}, except that a token naming a key the verifier does not know yet
 * makes it re-read its key source once (rate-limited) and try again — for the paths (`authorize`,
 * introspection, revocation, a resource server's guard) that must honour a key rotated in
 * elsewhere. A token that verifies is answered at once; only a failing one gets a promise, and
 * can pay for a key read. It never throws: a refused token is a rejected promise.
 * @throws {AuthError} as {@link TokenVerifier.verify}, through the promise
 */
export function verifyWithKeyRefresh<Verified>(
  verifier: TokenVerifier<Verified>,
  token: string,
): Awaitable<Verified> {
  try {
    return verifier.verify(token);
  } catch (error) {
    return retryWithFreshKeys(verifier, token, error);
  }
}

async function retryWithFreshKeys<Verified>(
  verifier: TokenVerifier<Verified>,
  token: string,
  error: unknown,
): Promise<Verified> {
  if (isAuthError(error, "token_invalid") && (await verifier.refreshKeysFor(token))) {
    return verifier.verify(token);
  }
  throw error;
}
