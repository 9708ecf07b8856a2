// The issuer's published keys as a key source: a JWK Set fetched, cached, and fetched again when due.
import { createPublicKey } from "node:crypto";
import type { Clock } from "gatehouse-auth-core/clock";
import { systemClock } from "gatehouse-auth-core/clock";
import type { KeyPair } from "gatehouse-auth-core/keys/token-keys";
import type { KeySource } from "gatehouse-auth-core/tokens/key-source";
import { z } from "zod";

/** The asymmetric algorithms a remote verifier accepts; never a shared-secret one. */
export type RemoteAlgorithm = "EdDSA" | "ES256";

/** Options of {@link createJwksKeySource}. */
export interface JwksKeySourceOptions {
  /** The issuer's JWK Set, e.g. `https://auth.example.com/.well-known/jwks.json`. */
  readonly jwksUrl: string | URL;
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

/** A {@link KeySource} over a remote JWK Set. */
export interface JwksKeySource extends KeySource {
  /**
   * Fetches the set at once because a token named `kid`, unknown here — at most once per
   * cooldown; within it, waits for a fetch already under way. Never throws.
   */
  reload(kid: string): Promise<void>;
  /**
   * Fetches the keys when they are older than `cacheSeconds` (and waits for them), but while the
   * issuer fails only once per cooldown. Never throws: a failed fetch keeps the keys it had.
   */
  refreshIfStale(): Promise<void>;
  /**
   * Fetches the set now, whatever its age: the issuer said its keys changed (a signed security
   * event). Shares a fetch already under way; never throws.
   */
  refreshNow(): Promise<void>;
}

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

/**
 * Creates a key source reading `jwksUrl` (never a token's `jku`, `x5u`, `x5c` or `jwk` header).
 * Keys are used for `cacheSeconds`; an unknown `kid` fetches at once through `reload`, at most
 * once per `unknownKeyCooldownSeconds`, so made-up key ids cannot make it hammer the issuer; a
 * failed fetch keeps the keys it had. Only EdDSA and ES256 keys are kept: a shared secret
 * cannot be published, so no HS256 key ever comes from here.
 */
export function createJwksKeySource(options: JwksKeySourceOptions): JwksKeySource {
  const jwksUrl = new URL(options.jwksUrl);
  const clock = options.clock ?? systemClock;
  const allowed = new Set<RemoteAlgorithm>(options.algorithms ?? ["EdDSA", "ES256"]);
  const cacheMs = (options.cacheSeconds ?? 300) * 1000;
  const cooldownMs = (options.unknownKeyCooldownSeconds ?? 10) * 1000;
  const timeoutMs = options.fetchTimeoutMs ?? 5000;
  const doFetch = options.fetch ?? ((url: URL, init: RequestInit) => fetch(url, init));
  let keys = new Map<string, KeyPair>();
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
    const next = new Map<string, KeyPair>();
    for (const entry of set.keys) {
      const key = toKeyPair(entry, allowed);
      if (key === undefined) continue;
      const previous = keys.get(key.kid);
      // The same key object as before, so the verifier keeps its compiled check and cache.
      const same = previous?.algorithm === key.algorithm && previous.publicKey === key.publicKey;
      next.set(key.kid, same ? previous : key);
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

  return {
    find: (kid) => keys.get(kid),
    async reload(kid) {
      if (keys.has(kid)) return;
      if (clock.now() - lastUnknownFetch < cooldownMs) {
        await inFlight?.catch(() => undefined);
        return;
      }
      lastUnknownFetch = clock.now();
      await tryRefresh();
    },
    refreshNow: tryRefresh,
    async refreshIfStale() {
      // Expired keys are fetched again, but while the issuer fails, one attempt per cooldown:
      // the other requests go on with the keys already held instead of each waiting on a timeout.
      if (clock.now() - fetchedAt >= cacheMs && clock.now() - lastStaleFetch >= cooldownMs) {
        lastStaleFetch = clock.now();
        await tryRefresh();
      }
    },
  };
}

/** A usable public key from a JWK Set entry; `undefined` for one of another type, use or curve. */
function toKeyPair(entry: unknown, allowed: ReadonlySet<RemoteAlgorithm>): KeyPair | undefined {
  const parsed = jwkSchema.safeParse(entry);
  // Keys of other types or for encryption are skipped, not fatal: the set may hold them.
  if (!parsed.success) return undefined;
  const jwk = parsed.data;
  const algorithm: RemoteAlgorithm = jwk.kty === "OKP" ? "EdDSA" : "ES256";
  if (!allowed.has(algorithm)) return undefined;
  const members =
    jwk.kty === "OKP"
      ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x }
      : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  try {
    const publicKey = createPublicKey({ key: members, format: "jwk" })
      .export({ type: "spki", format: "pem" })
      .toString();
    return { kid: jwk.kid, algorithm, publicKey, privateKey: undefined };
  } catch {
    return undefined;
  }
}
