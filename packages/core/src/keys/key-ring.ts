// The signing keys of a running service: a snapshot of the store, refreshed so rotations elsewhere arrive.
import type { Clock } from "../clock.ts";
import type { PublishedJwk } from "./key-material.ts";
import { publishedJwk, toTokenKey } from "./key-material.ts";
import type { SigningKeyRecord, SigningKeyStore } from "./signing-keys.ts";
import { signingKeyStatus } from "./signing-keys.ts";
import type { TokenKey, TokenKeySet } from "./token-keys.ts";

/** How often a key ring re-reads the store at most, in the background, while it is used. */
export const keyRefreshIntervalSeconds = 30;

/** The least time between two store reads caused by tokens naming an unknown `kid`. */
export const unknownKeyRefreshSeconds = 2;

/** What {@link createKeyRing} needs. */
export interface KeyRingOptions {
  readonly store: SigningKeyStore;
  readonly clock: Clock;
  readonly refreshIntervalSeconds?: number;
  readonly unknownKeyRefreshSeconds?: number;
  /** Told when a background refresh fails; the ring keeps its last snapshot. */
  readonly onRefreshError?: (error: unknown) => void;
}

/** A {@link TokenKeySet} backed by a store, plus what the JWKS publishes. */
export interface KeyRing extends TokenKeySet {
  reload(kid: string): Promise<void>;
  /** Re-reads the keys from the store now (concurrent calls share one read). */
  refresh(): Promise<void>;
  /** Re-reads the keys unless the snapshot is younger than `maxAgeMs`. */
  refreshIfOlderThan(maxAgeMs: number): Promise<void>;
  /** Public JWKs of every key that still verifies, the signer first; never a shared secret. */
  publicKeys(): readonly PublishedJwk[];
}

interface Entry {
  readonly record: SigningKeyRecord;
  /** `undefined` for a key already retired when read: it is known, and refused. */
  readonly key: TokenKey | undefined;
}

interface LiveEntry extends Entry {
  readonly key: TokenKey;
}

interface Snapshot {
  readonly loadedAt: number;
  readonly entries: ReadonlyMap<string, Entry>;
  readonly signer: LiveEntry;
  readonly published: readonly PublishedJwk[];
}

/**
 * Loads the store's keys and returns a ring that signs with the active key and verifies with
 * every key not yet retired. Lookups are synchronous; when the snapshot is older than the
 * refresh interval, a lookup starts a background re-read, and a `kid` the ring does not know
 * triggers an immediate one through {@link KeyRing.reload}, at most once per
 * `unknownKeyRefreshSeconds` — so a flood of made-up key ids costs one store read per window.
 * Retirement is judged on every lookup from the key's times, not from the snapshot's age.
 * @throws {TypeError} when the store holds no active key (call `ensureSigningKey` first)
 */
export async function createKeyRing(options: KeyRingOptions): Promise<KeyRing> {
  const { store, clock } = options;
  const intervalMs = (options.refreshIntervalSeconds ?? keyRefreshIntervalSeconds) * 1000;
  const unknownMs = (options.unknownKeyRefreshSeconds ?? unknownKeyRefreshSeconds) * 1000;
  let snapshot = build(await store.listSigningKeys(), clock.now(), new Map());
  let inFlight: Promise<void> | undefined;
  let lastUnknownReload = Number.NEGATIVE_INFINITY;

  const refresh = (): Promise<void> => {
    inFlight ??= store
      .listSigningKeys()
      .then((records) => {
        snapshot = build(records, clock.now(), snapshot.entries);
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  const refreshInBackground = (): void => {
    if (inFlight !== undefined || clock.now() - snapshot.loadedAt < intervalMs) return;
    refresh().catch((error: unknown) => options.onRefreshError?.(error));
  };

  return {
    signer() {
      refreshInBackground();
      return snapshot.signer.key;
    },
    find(kid) {
      refreshInBackground();
      const entry = snapshot.entries.get(kid);
      if (entry === undefined || signingKeyStatus(entry.record, clock.now()) === "retired") {
        return undefined;
      }
      return entry.key;
    },
    async reload(kid) {
      // A retired key stays refused: reading the store again cannot bring it back.
      if (snapshot.entries.has(kid)) return;
      const now = clock.now();
      if (now - lastUnknownReload < unknownMs) {
        await inFlight;
        return;
      }
      lastUnknownReload = now;
      await refresh();
    },
    refresh,
    async refreshIfOlderThan(maxAgeMs) {
      if (clock.now() - snapshot.loadedAt >= maxAgeMs) await refresh();
    },
    publicKeys() {
      const now = clock.now();
      return snapshot.published.filter((jwk) => {
        const entry = snapshot.entries.get(jwk.kid);
        return entry !== undefined && signingKeyStatus(entry.record, now) !== "retired";
      });
    },
  };
}

function build(
  records: readonly SigningKeyRecord[],
  now: number,
  previous: ReadonlyMap<string, Entry>,
): Snapshot {
  const entries = new Map<string, Entry>();
  let signer: LiveEntry | undefined;
  for (const record of records) {
    if (signingKeyStatus(record, now) === "retired") {
      // Kept so a retired kid is known (and refused) without another store read.
      entries.set(record.kid, { record, key: undefined });
      continue;
    }
    // The same key object as before, so the token service keeps its compiled verifier and cache.
    const key = previous.get(record.kid)?.key ?? toTokenKey(record);
    const entry: LiveEntry = { record, key };
    entries.set(record.kid, entry);
    const newer = signer === undefined || record.activatedAt > signer.record.activatedAt;
    if (record.retiresAt === null && newer) signer = entry;
  }
  if (signer === undefined) throw new TypeError("the store holds no active signing key");
  const published: PublishedJwk[] = [];
  for (const entry of [signer, ...[...entries.values()].filter((e) => e !== signer)]) {
    if (signingKeyStatus(entry.record, now) === "retired") continue;
    const jwk = publishedJwk(entry.record);
    if (jwk !== undefined) published.push(jwk);
  }
  return { loadedAt: now, entries, signer, published };
}
