// Accepting Gatehouse tokens in another service: JWKS fetched and cached, every claim checked.
import { createPublicKey } from "node:crypto";
import { createVerifier } from "fast-jwt";
import type { Clock } from "gatehouse-auth-core/clock";
import { systemClock } from "gatehouse-auth-core/clock";
import { AuthError } from "gatehouse-auth-core/errors";
import { peekKeyId } from "gatehouse-auth-core/keys/token-keys";
import { maxTokenLength } from "gatehouse-auth-core/tokens/token-verifier";
import { z } from "zod";

/** The asymmetric algorithms a remote verifier accepts; never a shared-secret one. */
export type RemoteAlgorithm = "EdDSA" | "ES256";

/** Options of {@link createRemoteVerifier}. */
export interface RemoteVerifierOptions {
  /** The issuer's JWK Set, e.g. `https://auth.example.com/.well-known/jwks.json`. */
  readonly jwksUrl: string | URL;
  /** Required as the token's `iss` (Gatehouse writes it when `GATEHOUSE_ISSUER` is set). */
  readonly issuer: string;
  /** When set, the token's `aud` must contain it. */
  readonly audience?: string;
  /** Algorithms accepted; both EdDSA and ES256 by default. */
  readonly algorithms?: readonly RemoteAlgorithm[];
  /** How long fetched keys are used before they are fetched again; 300 s by default. */
  readonly cacheSeconds?: number;
  /** The least time between fetches caused by an unknown `kid`; 10 s by default. */
  readonly unknownKeyCooldownSeconds?: number;
  /** Abort a JWKS fetch after this long; 5000 ms by default. */
  readonly fetchTimeoutMs?: number;
  /** The fetch to use; the global one by default. */
  readonly fetch?: (url: URL, init: RequestInit) => Promise<Response>;
  readonly clock?: Clock;
}

/** The verified caller: who, with which scopes, and every claim of the token. */
export interface RemotePrincipal {
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly claims: RemoteClaims;
}

const numericDate = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const claimsSchema = z.looseObject({
  iss: z.string(),
  sub: z.string().min(1).max(256),
  exp: numericDate,
  iat: numericDate.optional(),
  nbf: numericDate.optional(),
  jti: z.string().max(256).optional(),
  scope: z.string().max(4096).optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  client_id: z.string().max(256).optional(),
});

/** The claims of a verified token: the RFC 9068 ones typed, any others kept as they came. */
export type RemoteClaims = Readonly<z.infer<typeof claimsSchema>>;

const headerSchema = z.object({
  alg: z.enum(["EdDSA", "ES256"]),
  // RFC 9068 §4: typ is "at+jwt", compared case-insensitively, "application/" prefix allowed.
  typ: z
    .string()
    .transform((typ) => typ.toLowerCase().replace(/^application\//, ""))
    .pipe(z.literal("at+jwt")),
  kid: z.string(),
});

const jwkSchema = z.union([
  z.looseObject({
    kty: z.literal("OKP"),
    crv: z.literal("Ed25519"),
    x: z.string(),
    kid: z.string().min(1),
    alg: z.literal("EdDSA").optional(),
    use: z.literal("sig").optional(),
  }),
  z.looseObject({
    kty: z.literal("EC"),
    crv: z.literal("P-256"),
    x: z.string(),
    y: z.string(),
    kid: z.string().min(1),
    alg: z.literal("ES256").optional(),
    use: z.literal("sig").optional(),
  }),
]);

const jwksSchema = z.object({ keys: z.array(z.unknown()).max(100) });

/** A JWK Set larger than this is refused unread: a real one holds a few keys. */
const maxJwksBytes = 64 * 1024;

interface RemoteKey {
  readonly algorithm: RemoteAlgorithm;
  readonly check: (token: string) => { header: unknown; payload: unknown };
}

/** Verifies Gatehouse access tokens against the issuer's published keys. */
export interface RemoteVerifier {
  /**
   * Verifies `token` and checks it carries every scope in `required`.
   * @throws {AuthError} token_invalid for a bad signature, unknown or refused key, wrong `typ`,
   * `iss` or `aud`, a `nbf` in the future, or malformed claims
   * @throws {AuthError} token_expired when `exp` is now or past
   * @throws {AuthError} insufficient_scope when a required scope is missing
   */
  verify(token: string, required?: readonly string[]): Promise<RemotePrincipal>;
}

/**
 * Creates a verifier for tokens of the Gatehouse at `issuer`. Keys come only from `jwksUrl`
 * (never from a token's `jku`, `x5u`, `x5c` or `jwk` header), are cached for `cacheSeconds`,
 * and are fetched again at once when a token names an unknown `kid` — at most once per
 * `unknownKeyCooldownSeconds`, so made-up key ids cannot make it hammer the issuer. A failed
 * fetch keeps the keys it had. Only EdDSA and ES256 keys are used: a shared secret cannot be
 * published, so an HS256 token is always refused.
 * @example
 * const verifier = createRemoteVerifier({
 *   jwksUrl: "https://auth.example.com/.well-known/jwks.json",
 *   issuer: "https://auth.example.com",
 * });
 * const principal = await verifier.verify(token, ["items"]);
 */
export function createRemoteVerifier(options: RemoteVerifierOptions): RemoteVerifier {
  const jwksUrl = new URL(options.jwksUrl);
  const clock = options.clock ?? systemClock;
  const allowed = new Set<RemoteAlgorithm>(options.algorithms ?? ["EdDSA", "ES256"]);
  const cacheMs = (options.cacheSeconds ?? 300) * 1000;
  const cooldownMs = (options.unknownKeyCooldownSeconds ?? 10) * 1000;
  const timeoutMs = options.fetchTimeoutMs ?? 5000;
  const doFetch = options.fetch ?? ((url: URL, init: RequestInit) => fetch(url, init));
  let keys = new Map<string, RemoteKey>();
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let lastUnknownFetch = Number.NEGATIVE_INFINITY;
  let lastStaleFetch = Number.NEGATIVE_INFINITY;
  let inFlight: Promise<void> | undefined;

  const load = async (): Promise<void> => {
    const response = await doFetch(jwksUrl, {
      signal: AbortSignal.timeout(timeoutMs),
      // A redirect could lead anywhere; the configured URL is the one source of keys.
      redirect: "error",
      headers: { accept: "application/jwk-set+json, application/json" },
    });
    if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
    const text = await response.text();
    if (text.length > maxJwksBytes) throw new Error("JWKS is too large");
    const set = jwksSchema.parse(JSON.parse(text));
    const next = new Map<string, RemoteKey>();
    for (const entry of set.keys) {
      const parsed = jwkSchema.safeParse(entry);
      // Keys of other types or for encryption are skipped, not fatal: the set may hold them.
      if (!parsed.success) continue;
      const jwk = parsed.data;
      const algorithm: RemoteAlgorithm = jwk.kty === "OKP" ? "EdDSA" : "ES256";
      if (!allowed.has(algorithm)) continue;
      const members =
        jwk.kty === "OKP"
          ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x }
          : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
      let pem: string;
      try {
        pem = createPublicKey({ key: members, format: "jwk" })
          .export({ type: "spki", format: "pem" })
          .toString();
      } catch {
        continue;
      }
      const check = createVerifier({
        key: pem,
        algorithms: [algorithm],
        complete: true,
        // Time claims are checked below against the clock, on every call, cache hit or not.
        ignoreExpiration: true,
        ignoreNotBefore: true,
        cache: 1000,
      });
      next.set(jwk.kid, { algorithm, check });
    }
    keys = next;
    fetchedAt = clock.now();
  };
  const refresh = (): Promise<void> => {
    inFlight ??= load().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
  // A fetch that fails leaves the keys as they were; the token is then judged on those.
  const tryRefresh = (): Promise<void> => refresh().catch(() => undefined);

  const keyFor = async (kid: string): Promise<RemoteKey | undefined> => {
    // Expired keys are fetched again, but while the issuer fails, one attempt per cooldown:
    // the other requests go on with the keys already held instead of each waiting on a timeout.
    if (clock.now() - fetchedAt >= cacheMs && clock.now() - lastStaleFetch >= cooldownMs) {
      lastStaleFetch = clock.now();
      await tryRefresh();
    }
    const known = keys.get(kid);
    if (known !== undefined) return known;
    if (clock.now() - lastUnknownFetch < cooldownMs) {
      await inFlight?.catch(() => undefined);
      return keys.get(kid);
    }
    lastUnknownFetch = clock.now();
    await tryRefresh();
    return keys.get(kid);
  };

  return {
    async verify(token, required = []) {
      if (token.length === 0 || token.length > maxTokenLength) {
        throw new AuthError("token_invalid", "token is empty or too long");
      }
      const kid = peekKeyId(token);
      const key = kid === undefined ? undefined : await keyFor(kid);
      if (kid === undefined || key === undefined) {
        throw new AuthError("token_invalid", "token names no key the issuer publishes");
      }
      let decoded: { header: unknown; payload: unknown };
      try {
        decoded = key.check(token);
      } catch (cause) {
        throw new AuthError("token_invalid", "token failed signature or format checks", { cause });
      }
      const header = headerSchema.safeParse(decoded.header);
      if (!header.success || header.data.alg !== key.algorithm || header.data.kid !== kid) {
        throw new AuthError("token_invalid", "token header is not an access token of this key");
      }
      const parsed = claimsSchema.safeParse(decoded.payload);
      if (!parsed.success) {
        throw new AuthError("token_invalid", "token claims are missing or of the wrong type");
      }
      const claims = parsed.data;
      if (claims.iss !== options.issuer) {
        throw new AuthError("token_invalid", "token issuer does not match");
      }
      if (options.audience !== undefined && !hasAudience(claims.aud, options.audience)) {
        throw new AuthError("token_invalid", "token audience does not match");
      }
      const now = clock.now() / 1000;
      if (claims.nbf !== undefined && claims.nbf > now) {
        throw new AuthError("token_invalid", "token is not valid yet");
      }
      if (claims.exp <= now) throw new AuthError("token_expired", "token has expired");
      const scopes = (claims.scope ?? "").split(" ").filter((scope) => scope !== "");
      if (required.some((scope) => !scopes.includes(scope))) {
        throw new AuthError("insufficient_scope", "the token lacks a required scope");
      }
      return { subject: claims.sub, scopes, claims };
    },
  };
}

function hasAudience(aud: string | readonly string[] | undefined, expected: string): boolean {
  return typeof aud === "string" ? aud === expected : (aud?.includes(expected) ?? false);
}
