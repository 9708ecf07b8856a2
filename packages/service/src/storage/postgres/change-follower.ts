// Follows the change feed on a connection of its own: LISTEN wakes it, a timer backs it up.
import type { ChangeEvent } from "gatehouse-auth-core/changes/change-feed";
import { Client } from "pg";
import { changeChannel, readPostgresChangesAndHead } from "./change-feed.ts";
import { connectionQueryable, type Queryable } from "./pool.ts";

/** How the hot path reads: from the caches the feed keeps, or from the database. */
export type ReadMode = "cached" | "direct";

/** What the follower keeps up to date. */
export interface FollowedState {
  /** Applies one event; events come in sequence order with no number missing. */
  apply(event: ChangeEvent): void;
  /**
   * Loads the state afresh on `snapshot` (one REPEATABLE READ transaction) and returns the
   * feed's latest sequence in that same snapshot: called first, and whenever the follower cannot
   * prove it has every event since the last one it applied.
   */
  reload(snapshot: Queryable): Promise<number>;
}

/** How to follow. */
export interface ChangeFollowerOptions {
  readonly url: string;
  readonly connectTimeoutMs: number;
  /** How often the feed is read even without a notification, in milliseconds. */
  readonly pollIntervalMs: number;
  /**
   * How long after the start of the last read that completed the caches may still answer, in
   * milliseconds: past it (a connection that hangs without closing) the hot path reads directly.
   */
  readonly maxStalenessMs: number;
  /** The first wait before reconnecting, doubled up to 5 s while reconnecting fails. */
  readonly reconnectDelayMs: number;
  readonly state: FollowedState;
}

/** A running follower. */
export interface ChangeFollower {
  /** `cached` while the feed connection is up and was read within the staleness bound. */
  mode(): ReadMode;
  /** The last sequence applied; 0 before the first load. */
  appliedSequence(): number;
  /** Resolves once the follower is in `cached` mode (or `timeoutMs` passed); for startup and tests. */
  waitUntilCached(timeoutMs: number): Promise<boolean>;
  /** Stops following and closes the connection. */
  close(): Promise<void>;
}

const pageSize = 1000;
const maxReconnectDelayMs = 5000;

/**
 * Starts following the feed: connects, `LISTEN`s on the channel every append notifies, loads
 * the state, and from then on reads the events after the last one applied on every notification
 * and every `pollIntervalMs` — so a lost notification delays an update but never loses it. A
 * connection that closes (a restart, `pg_terminate_backend`) switches to `direct` at once; the
 * follower reconnects, reads what it missed (or reloads when events it needs were pruned or the
 * feed went backwards) and switches back.
 */
export function startChangeFollower(options: ChangeFollowerOptions): ChangeFollower {
  const { state } = options;
  let client: Client | undefined;
  let db: Queryable | undefined;
  // -1: nothing loaded yet, or the last load is no longer trusted.
  let applied = -1;
  let confirmedAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let reconnectDelay = options.reconnectDelayMs;
  let reconnectTimer: NodeJS.Timeout | undefined;
  const waiters = new Set<() => void>();

  const isCached = (): boolean =>
    db !== undefined && applied >= 0 && performance.now() - confirmedAt <= options.maxStalenessMs;

  const readMissed = async (on: Queryable): Promise<void> => {
    if (applied < 0) {
      applied = await on.transaction((snapshot) => state.reload(snapshot));
      return;
    }
    for (;;) {
      // One round trip per page: the events and the feed's newest number in one snapshot.
      const { latest, events } = await readPostgresChangesAndHead(on, applied, pageSize);
      // A database restored or emptied behind the follower: what it applied is not there any more.
      if (latest < applied) {
        applied = await on.transaction((snapshot) => state.reload(snapshot));
        return;
      }
      for (const event of events) {
        // Numbers are gap-free, so a missing one was pruned before this follower read it.
        if (event.sequence !== applied + 1) {
          applied = await on.transaction((snapshot) => state.reload(snapshot));
          return;
        }
        state.apply(event);
        applied = event.sequence;
      }
      if (events.length < pageSize) return;
    }
  };

  const run = async (): Promise<void> => {
    let owner = client;
    try {
      do {
        again = false;
        const on = db;
        owner = client;
        if (on === undefined) return;
        const startedAt = performance.now();
        await readMissed(on);
        if (on === db) confirmedAt = startedAt;
      } while (again);
      for (const wake of waiters) wake();
    } catch {
      // The connection failed mid-read; the next one reads again.
      lose(owner);
    }
  };

  const read = (): Promise<void> => {
    if (reading !== undefined) {
      again = true;
      return reading;
    }
    reading = run().finally(() => {
      reading = undefined;
      // Asked for while a read on a connection since lost was failing.
      if (again && db !== undefined) void read();
    });
    return reading;
  };

  const lose = (lost: Client | undefined): void => {
    if (lost === undefined || lost !== client) return;
    client = undefined;
    db = undefined;
    confirmedAt = Number.NEGATIVE_INFINITY;
    lost.end().catch(() => {});
    scheduleReconnect();
  };

  const scheduleReconnect = (): void => {
    if (closed || reconnectTimer !== undefined) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, reconnectDelay);
    reconnectTimer.unref();
    reconnectDelay = Math.min(reconnectDelay * 2, maxReconnectDelayMs);
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const next = new Client({
      connectionString: options.url,
      connectionTimeoutMillis: options.connectTimeoutMs,
      application_name: "gatehouse-change-feed",
    });
    next.on("error", () => lose(next));
    next.on("end", () => lose(next));
    next.on("notification", () => {
      if (next === client) void read();
    });
    try {
      await next.connect();
      // LISTEN before the first read: a change committed after that read's snapshot notifies.
      await next.query(`LISTEN ${changeChannel}`);
    } catch {
      next.removeAllListeners();
      next.on("error", () => {});
      next.end().catch(() => {});
      scheduleReconnect();
      return;
    }
    if (closed) {
      await next.end().catch(() => {});
      return;
    }
    client = next;
    db = connectionQueryable(next);
    reconnectDelay = options.reconnectDelayMs;
    await read();
  };

  const poll = setInterval(() => {
    if (db !== undefined) void read();
  }, options.pollIntervalMs);
  poll.unref();
  void connect();

  return {
    mode: () => (isCached() ? "cached" : "direct"),
    appliedSequence: () => Math.max(applied, 0),
    async waitUntilCached(timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (!isCached() && performance.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, Math.min(50, timeoutMs));
          function done(): void {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          }
          waiters.add(done);
        });
      }
      return isCached();
    },
    async close() {
      closed = true;
      clearInterval(poll);
      clearTimeout(reconnectTimer);
      const last = client;
      client = undefined;
      db = undefined;
      await reading;
      if (last !== undefined) {
        last.removeAllListeners();
        last.on("error", () => {});
        await last.end().catch(() => {});
      }
    },
  };
}
