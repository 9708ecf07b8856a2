// Access tokens: issuing and verifying RFC 9068 JWTs with a pinned algorithm and key.
import { createHash, randomUUID } from "node:crypto";
import { createSigner, createVerifier } from "fast-jwt";
import { z } from "zod";
import type { Checked } from "./brand.ts";
import type { Clock } from "./clock.ts";
import { AuthError } from "./errors.ts";
import type { Scope, ScopeCatalogue } from "./scopes.ts";
import { formatScopes } from "./scopes.ts";
import type { SigningAlgorithm } from "./signing-keys.ts";
import { createVerifiedTokenCache } from "./verified-token-cache.ts";

/** A signed access token; made only by {@link TokenService.issue}. */
export type AccessToken = Checked<string, "AccessToken">;

/** A key in memory, ready to sign and verify. */
export interface SigningKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly secret: Buffer;
}

/** The claims of a token that passed every check. */
export interface VerifiedAccessToken {
  readonly subject: string;
  /** Granted scopes that are still in the catalogue. */
  readonly scopes: readonly Scope[];
  readonly tokenId: string;
  /** Seconds since the epoch, as on the wire. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** What {@link TokenService.issue} returns: the token plus what the token response reports. */
export interface IssuedAccessToken {
  readonly token: AccessToken;
  readonly scopes: readonly Scope[];
  /** Seconds until expiry (RFC 6749 §5.1 `expires_in`). */
  readonly expiresIn: number;
  readonly tokenId: string;
}

/** Issues and verifies access tokens. */
export interface TokenService {
  /** Signs a token for `subject` carrying `scopes`. */
  issue(subject: string, scopes: readonly Scope[]): IssuedAccessToken;
  /**
   * Verifies signature, algorithm, `typ`, `kid`, time claims and shape, synchronously (no thread
   * pool, so verification never queues behind password hashing).
   * @throws {AuthError} token_invalid for anything malformed, forged or not yet valid
   * @throws {AuthError} token_expired when `exp` is now or in the past
   */
  verify(token: string): VerifiedAccessToken;
}

/** Options of {@link createTokenService}. */
export interface TokenServiceOptions {
  readonly key: SigningKey;
  readonly scopes: ScopeCatalogue;
  readonly clock: Clock;
  /** Access token lifetime in seconds; the seed's 30 minutes by default. */
  readonly lifetimeSeconds?: number;
  /** Written as `iss` and required on verify when set. */
  readonly issuer?: string;
  /** Written as `aud` and required on verify when set. */
  readonly audience?: string;
  /** Size of the verified-token cache (signature checks skipped on a hit); 0 turns it off. */
  readonly cacheSize?: number;
}

/** What a token's signature and shape checks found: kept in the cache, re-checked for time. */
interface CheckedToken {
  readonly verified: VerifiedAccessToken;
  readonly notBefore: number | undefined;
}

/** The seed's access token lifetime: 30 minutes. */
export const defaultTokenLifetimeSeconds = 30 * 60;

/** Tokens longer than this are refused unread: a real one is a few hundred bytes. */
export const maxTokenLength = 4096;

const minSecretBytes = 32;

// RFC 7519 NumericDate: a finite number of seconds; we issue integers and accept only integers.
const numericDate = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const claimsSchema = z.object({
  sub: z.string().min(1).max(256),
  exp: numericDate,
  iat: numericDate,
  nbf: numericDate.optional(),
  jti: z.string().min(1).max(256),
  scope: z.string().max(4096).optional(),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
});

const headerSchema = z.object({
  alg: z.string(),
  // RFC 9068 §2.1: "at+jwt"; §4: compared case-insensitively, "application/" prefix allowed.
  typ: z
    .string()
    .transform((typ) => typ.toLowerCase().replace(/^application\//, ""))
    .pipe(z.literal("at+jwt")),
  kid: z.string().optional(),
});

/** Derives a key id from a secret without revealing it (a truncated SHA-256). */
export function deriveKeyId(secret: Buffer): string {
  return createHash("sha256")
    .update("gatehouse-kid\u0000")
    .update(secret)
    .digest("base64url")
    .slice(0, 16);
}

/**
 * Creates the token service for one signing key. The algorithm is pinned by the key: the `alg`
 * header of an incoming token is checked against it, never trusted.
 * @throws {RangeError} when the HS256 secret is shorter than 32 bytes (RFC 7518 §3.2, RFC 8725 §3.5)
 * @example
 * const tokens = createTokenService({ key, scopes, clock: systemClock });
 * const { token } = tokens.issue("johndoe", scopes.check(["me"]));
 * tokens.verify(token).subject; // "johndoe"
 */
export function createTokenService(options: TokenServiceOptions): TokenService {
  const { key, scopes, clock } = options;
  const lifetime = options.lifetimeSeconds ?? defaultTokenLifetimeSeconds;
  if (!Number.isInteger(lifetime) || lifetime < 1) {
    throw new RangeError("token lifetime must be a positive whole number of seconds");
  }
  if (key.secret.length < minSecretBytes) {
    throw new RangeError(`an HS256 secret needs at least ${minSecretBytes} bytes`);
  }
  const sign = createSigner({
    key: key.secret,
    algorithm: key.algorithm,
    kid: key.kid,
    header: { alg: key.algorithm, typ: "at+jwt" },
  });
  // Time claims are checked below against the injected clock, on every call, cache hit or not.
  const checkSignature = createVerifier({
    key: key.secret,
    algorithms: [key.algorithm],
    complete: true,
    ignoreExpiration: true,
    ignoreNotBefore: true,
  });
  // Keyed by the token string itself: a hit skips hashing, signature and schema work entirely
  // (issue 6: these were the verifier's share of the per-request profile).
  const cache = createVerifiedTokenCache<CheckedToken>(options.cacheSize ?? 1000);

  function checkToken(token: string): CheckedToken {
    let decoded: { header: unknown; payload: unknown };
    try {
      decoded = checkSignature(token);
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
      expiresAt: claims.exp,
    });
    return { verified, notBefore: claims.nbf };
  }

  return {
    issue(subject, granted) {
      const issuedAt = Math.floor(clock.now() / 1000);
      const tokenId = randomUUID();
      const claims = {
        sub: subject,
        iat: issuedAt,
        exp: issuedAt + lifetime,
        jti: tokenId,
        scope: formatScopes(granted),
        ...(options.issuer === undefined ? {} : { iss: options.issuer }),
        ...(options.audience === undefined ? {} : { aud: options.audience }),
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
  };
}

function hasAudience(aud: string | readonly string[] | undefined, expected: string): boolean {
  return typeof aud === "string" ? aud === expected : (aud?.includes(expected) ?? false);
}
