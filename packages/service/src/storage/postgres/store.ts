// The Store on PostgreSQL through pg: a connection pool, migrated on open.
import { defaultChangeRetentionMs } from "gatehouse-auth-core/changes/change-feed";
import { type Clock, systemClock } from "gatehouse-auth-core/clock";
import type { Store } from "gatehouse-auth-core/ports";
import { createChangeSignal } from "../change-signal.ts";
import { refuseNulCharacters } from "../nul-refusal.ts";
import { createPostgresAuditLog } from "./audit-log.ts";
import { createPostgresAuthorizationCodes } from "./authorization-codes.ts";
import {
  type AppendPostgresChange,
  appendPostgresChange,
  createPostgresChangeFeed,
} from "./change-feed.ts";
import { type ReadMode, startChangeFollower } from "./change-follower.ts";
import { createPostgresClientStore } from "./clients.ts";
import { createPostgresConsents } from "./consents.ts";
import { createPostgresAccessTokenDenylist } from "./denylist.ts";
import { createPostgresDeviceCodeStore } from "./device-codes.ts";
import { createPostgresItems } from "./items.ts";
import { createPostgresLoginSessions } from "./login-sessions.ts";
import { migratePostgres } from "./migrate.ts";
import { connectPostgres, type PostgresPool, type PostgresPoolStats } from "./pool.ts";
import { createPostgresReadCache, type ReadCacheSizes } from "./read-cache.ts";
import { createPostgresReadiness } from "./readiness.ts";
import { createPostgresRefreshTokenStore } from "./refresh-tokens.ts";
import { createPostgresSeeding } from "./seed.ts";
import { createPostgresSigningKeys } from "./signing-keys.ts";
import { createPostgresThrottleStore } from "./throttle.ts";
import { createPostgresUserDirectory } from "./user-directory.ts";
import { createPostgresUsers } from "./users.ts";

/** How to open a PostgreSQL store. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`). */
  readonly url: string;
  /** The most connections this store opens; 10 by default. */
  readonly poolSize?: number;
  readonly clock?: Clock;
  /** How long opening a connection may take before startup fails, in milliseconds; 5000 by default. */
  readonly connectTimeoutMs?: number;
  /** How long change events are kept, in milliseconds; seven days by default. */
  readonly changeRetentionMs?: number;
  /**
   * The in-process caches of what the hot path reads, kept current by the change feed; on by
   * default, `false` reads the database on every request.
   */
  readonly readCache?: PostgresReadCacheSettings | false;
}

/** How the read caches follow the feed; every field has a default. */
export interface PostgresReadCacheSettings {
  /** The most users cached; 100 000 by default. */
  readonly userCapacity?: number;
  /** How often the feed is read without a notification, in milliseconds; 250 by default. */
  readonly pollIntervalMs?: number;
  /**
   * How long after the last completed read of the feed the caches may still answer, in
   * milliseconds; 1000 by default. A feed connection that closes switches to direct reads at once.
   */
  readonly maxStalenessMs?: number;
}

/** How a PostgreSQL store's hot path reads now, for `/readyz` and metrics. */
export interface PostgresReadState {
  /** `cached` while the feed keeps the caches current; `direct` otherwise (and when turned off). */
  readonly mode: ReadMode;
  /** The last change event applied to the caches. */
  readonly appliedSequence: number;
  readonly sizes: ReadCacheSizes;
}

/** A {@link Store} on PostgreSQL, which also tells how its connection pool is doing. */
export interface PostgresStore extends Store {
  /** The pool's connections now (open, idle) and the statements waiting for one, for metrics. */
  poolStats(): PostgresPoolStats;
  /** How the hot path reads now: from the feed-fed caches or from the database. */
  readState(): PostgresReadState;
}

/**
 * Connects to PostgreSQL, applies pending migrations, and returns a {@link Store} on the database,
 * with the same behaviour as the SQLite store (it passes the same contract suites).
 *
 * Every instance given the same URL shares all state: users, items, signing keys, refresh token
 * families, revoked access tokens, per-user cut-offs, throttle counters, the audit trail and the
 * registered clients live in the database, so instances themselves are stateless. Migrations are
 * safe when several instances start at once. `close()` ends the pool.
 *
 * @throws {Error} when the server cannot be reached within `connectTimeoutMs` (the message names
 * host, port and database, never the password)
 * @throws {AuthError} username_taken from `users.createUser` when the username exists
 * @throws {AuthError} user_not_found from `users.updateUser` and `items.addItem` when the user
 * does not exist
 * @example
 * const store = await createPostgresStore({ url: "postgres://gatehouse@127.0.0.1:5432/gatehouse" });
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const clock = options.clock ?? systemClock;
  const db = await connectPostgres({
    url: options.url,
    poolSize: options.poolSize ?? 10,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
  });
  try {
    await migratePostgres(db, { clock });
  } catch (error) {
    await db.close();
    throw error;
  }
  const retentionMs = options.changeRetentionMs ?? defaultChangeRetentionMs;
  const appendChange: AppendPostgresChange = (tx, event) =>
    appendPostgresChange(tx, event, { now: clock.now(), retentionMs });
  const parts = storeParts(db, clock, appendChange);
  const users = createPostgresUsers(db, clock, appendChange);
  const denylist = createPostgresAccessTokenDenylist(db, appendChange);
  const readiness = createPostgresReadiness(db);
  const settings = options.readCache;
  if (settings === false) {
    return refuseNulCharacters({
      ...parts,
      users,
      denylist,
      readiness,
      readState: () => ({
        mode: "direct",
        appliedSequence: 0,
        sizes: { users: 0, deniedTokens: 0, clients: 0 },
      }),
      close: () => db.close(),
    });
  }
  const cache = createPostgresReadCache({
    users,
    denylist,
    clients: parts.clients,
    clock,
    userCapacity: settings?.userCapacity ?? 100_000,
    live: () => follower.mode() === "cached",
  });
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  // The follower hears every instance's appends (its own included): the feed's readers
  // (/security-events) are told as soon as the caches have them.
  const growth = createChangeSignal();
  const follower = startChangeFollower({
    url: options.url,
    connectTimeoutMs,
    pollIntervalMs: settings?.pollIntervalMs ?? 250,
    maxStalenessMs: settings?.maxStalenessMs ?? 1000,
    reconnectDelayMs: 100,
    state: {
      apply(event) {
        cache.apply(event);
        growth.signal();
      },
      async reload(snapshot) {
        const sequence = await cache.reload(snapshot);
        growth.signal();
        return sequence;
      },
    },
  });
  // Starts serving either way: until the first load, and whenever the feed is down, the hot
  // path reads the database.
  await follower.waitUntilCached(connectTimeoutMs);
  return refuseNulCharacters({
    ...parts,
    ...cache.current,
    changes: { ...parts.changes, watch: growth.watch },
    guardReads: cache.cached,
    readiness: {
      async checkReady() {
        return { ...(await readiness.checkReady()), reads: follower.mode() };
      },
    },
    readState: () => ({
      mode: follower.mode(),
      appliedSequence: follower.appliedSequence(),
      sizes: cache.sizes(),
    }),
    async close() {
      await follower.close();
      await db.close();
    },
  });
}

/** The parts of the store the read caches do not stand in front of. */
function storeParts(
  db: PostgresPool,
  clock: Clock,
  appendChange: AppendPostgresChange,
): Omit<PostgresStore, "users" | "denylist" | "readiness" | "readState" | "close"> {
  return {
    items: createPostgresItems(db),
    seed: createPostgresSeeding(db, clock, appendChange),
    directory: createPostgresUserDirectory(db),
    signingKeys: createPostgresSigningKeys(db, appendChange),
    refreshTokens: createPostgresRefreshTokenStore(db),
    throttle: createPostgresThrottleStore(db),
    audit: createPostgresAuditLog(db, clock),
    clients: createPostgresClientStore(db, clock, appendChange),
    deviceCodes: createPostgresDeviceCodeStore(db),
    loginSessions: createPostgresLoginSessions(db),
    consents: createPostgresConsents(db),
    authorizationCodes: createPostgresAuthorizationCodes(db),
    changes: createPostgresChangeFeed(db),
    poolStats: () => db.stats(),
  };
}
