// The Store on PostgreSQL through pg: a connection pool, migrated on open.
import { defaultChangeRetentionMs } from "gatehouse-auth-core/changes/change-feed";
import { type Clock, systemClock } from "gatehouse-auth-core/clock";
import type { Store } from "gatehouse-auth-core/ports";
import { createPostgresAuditLog } from "./audit-log.ts";
import {
  type AppendPostgresChange,
  appendPostgresChange,
  createPostgresChangeFeed,
} from "./change-feed.ts";
import { createPostgresClientStore } from "./clients.ts";
import { createPostgresAccessTokenDenylist } from "./denylist.ts";
import { createPostgresItems } from "./items.ts";
import { migratePostgres } from "./migrate.ts";
import { connectPostgres, type PostgresPoolStats } from "./pool.ts";
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
}

/** A {@link Store} on PostgreSQL, which also tells how its connection pool is doing. */
export interface PostgresStore extends Store {
  /** The pool's connections now (open, idle) and the statements waiting for one, for metrics. */
  poolStats(): PostgresPoolStats;
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
  return {
    users: createPostgresUsers(db, clock, appendChange),
    items: createPostgresItems(db),
    seed: createPostgresSeeding(db, clock, appendChange),
    directory: createPostgresUserDirectory(db),
    signingKeys: createPostgresSigningKeys(db, appendChange),
    refreshTokens: createPostgresRefreshTokenStore(db),
    denylist: createPostgresAccessTokenDenylist(db, appendChange),
    throttle: createPostgresThrottleStore(db),
    audit: createPostgresAuditLog(db, clock),
    clients: createPostgresClientStore(db, clock, appendChange),
    changes: createPostgresChangeFeed(db),
    readiness: createPostgresReadiness(db),
    poolStats: () => db.stats(),
    close: () => db.close(),
  };
}
