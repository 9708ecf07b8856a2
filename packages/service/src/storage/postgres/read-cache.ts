// What the hot path reads on PostgreSQL, kept in process memory and updated from the change feed.
import type { Awaitable } from "gatehouse-auth-core/awaitable";
import type { ChangeEvent } from "gatehouse-auth-core/changes/change-feed";
import type { ClientRecord, ClientStore } from "gatehouse-auth-core/clients/client";
import type { Clock } from "gatehouse-auth-core/clock";
import type { GuardReads } from "gatehouse-auth-core/ports";
import type { AccessTokenDenylist } from "gatehouse-auth-core/tokens/denylist";
import type { UserRecord, UserStore } from "gatehouse-auth-core/users/user";
import { z } from "zod";
import { freezeClientRecord } from "../rows/client-row.ts";
import { parseRow } from "../rows/parse-row.ts";
import { readPostgresFeedHead } from "./change-feed.ts";
import type { FollowedState } from "./change-follower.ts";
import type { Queryable } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

/** How many entries each cache holds now, for metrics. */
export interface ReadCacheSizes {
  /** Users (and usernames known not to exist) held by the user cache. */
  readonly users: number;
  /** Revoked access token ids held: every one not yet expired. */
  readonly deniedTokens: number;
  /** Clients (and client ids known not to exist) held by the client cache. */
  readonly clients: number;
}

/** The caches, the ports in front of them, and the side the change follower feeds. */
export interface PostgresReadCache extends FollowedState {
  /**
   * The store's own ports: every read goes to the database (grants and admin reads must see the
   * present), and every write updates the caches as soon as it commits.
   */
  readonly current: Required<GuardReads> & { readonly clients: ClientStore };
  /**
   * The guard's view: `findByUsername`, `isAccessTokenDenied` and `findClient` answered from the
   * caches.
   */
  readonly cached: Required<GuardReads>;
  sizes(): ReadCacheSizes;
}

/** What the caches read through to and when they may answer. */
export interface PostgresReadCacheOptions {
  readonly users: UserStore;
  readonly denylist: AccessTokenDenylist;
  readonly clients: ClientStore;
  readonly clock: Clock;
  /** The most users kept; the least recently read is dropped first. */
  readonly userCapacity: number;
  /** The most clients kept (10 000 unless given); the least recently read is dropped first. */
  readonly clientCapacity?: number;
  /** True while the caches are current (the follower is in `cached` mode). */
  readonly live: () => boolean;
}

const deniedRow = z.object({ jti: z.string(), expires_at: bigintNumber });

// A username known not to exist, cached as such so a token of a deleted user costs no query.
const absent = null;

/**
 * An LRU of records by key in front of `read`, for as long as `live()`: a hit answers at once (so
 * the hot path awaits nothing), a miss loads once per key at a time. `forget` drops a key and
 * marks a load in flight for it stale, and `clear` does so for every key, so a record read before
 * a change is never kept past the change's event. Absent records are kept too (`null`), so a
 * deleted user's or client's token costs no query.
 */
function createLruLoader<T extends object>(
  capacity: number,
  read: (key: string) => Awaitable<T | undefined>,
  live: () => boolean,
): {
  get(key: string): Awaitable<T | undefined>;
  forget(key: string): void;
  clear(): void;
  size(): number;
} {
  const held = new Map<string, T | typeof absent>();
  // One load per key at a time; `stale` is set when the record changes meanwhile.
  const loading = new Map<string, { stale: boolean; promise: Promise<T | undefined> }>();
  let epoch = 0;

  const keep = (key: string, record: T | undefined): void => {
    if (held.size >= capacity) {
      // Map iteration follows insertion order, and a hit re-inserts: the first is least recent.
      const oldest = held.keys().next();
      if (oldest.done !== true) held.delete(oldest.value);
    }
    held.set(key, record === undefined ? absent : record);
  };

  const load = (key: string): Promise<T | undefined> => {
    const inFlight = loading.get(key);
    if (inFlight !== undefined) return inFlight.promise;
    const startedIn = epoch;
    const entry = {
      stale: false,
      promise: Promise.resolve(read(key)).then(
        (record) => {
          loading.delete(key);
          if (!entry.stale && startedIn === epoch && live()) keep(key, record);
          return record;
        },
        (error: unknown) => {
          loading.delete(key);
          throw error;
        },
      ),
    };
    loading.set(key, entry);
    return entry.promise;
  };

  return {
    get(key) {
      if (!live()) return read(key);
      const hit = held.get(key);
      if (hit === undefined) return load(key);
      held.delete(key);
      held.set(key, hit);
      return hit ?? undefined;
    },
    forget(key) {
      held.delete(key);
      const inFlight = loading.get(key);
      if (inFlight !== undefined) inFlight.stale = true;
    },
    clear() {
      epoch += 1;
      held.clear();
      for (const inFlight of loading.values()) inFlight.stale = true;
    },
    size: () => held.size,
  };
}

/**
 * Creates the caches in front of the PostgreSQL `users`, `denylist` and `clients` parts. While
 * `live()`, the `cached` view's `findByUsername` and `findClient` answer from LRUs (at once on a
 * hit, so the hot path awaits nothing), and its `isAccessTokenDenied` from the set of every
 * revoked id not yet expired (complete, loaded with the feed's sequence in one snapshot).
 * Otherwise all three read the database, as the `current` view always does.
 *
 * An event for a user or a client drops its entry, and a load in flight for it is not kept, so a
 * record read before a change never outlives the change's event. A write through either view
 * updates the caches as soon as it commits, so this instance's guards see its own writes at
 * once; other instances' see them when the event arrives.
 */
export function createPostgresReadCache(options: PostgresReadCacheOptions): PostgresReadCache {
  const { users: base, denylist: baseDenylist, clients: baseClients, clock, live } = options;
  // Shared by every request that reads them, so records are frozen before they are kept.
  const cachedUsers = createLruLoader(
    options.userCapacity,
    (username) => Promise.resolve(base.findByUsername(username)).then(freezeUser),
    live,
  );
  const cachedClients = createLruLoader(
    options.clientCapacity ?? 10_000,
    (clientId) => baseClients.findClient(clientId).then(freezeClient),
    live,
  );
  const denied = new Map<string, number>();
  // The earliest expiry held, so purging costs nothing until an entry can go.
  let earliest = Number.POSITIVE_INFINITY;

  const deny = (tokenId: string, expiresAt: number): void => {
    const until = Math.max(expiresAt, denied.get(tokenId) ?? 0);
    denied.set(tokenId, until);
    earliest = Math.min(earliest, until);
  };

  // As the database's purge: an entry whose time has passed by `now` goes (its token is refused
  // by its exp anyway).
  const purge = (now: number): void => {
    if (now < earliest) return;
    earliest = Number.POSITIVE_INFINITY;
    for (const [tokenId, until] of denied) {
      if (until <= now) denied.delete(tokenId);
      else earliest = Math.min(earliest, until);
    }
  };

  // Runs a write, then drops what it may have changed once it is settled either way.
  const thenForget = async <R>(write: () => Promise<R>, forget: () => void): Promise<R> => {
    try {
      return await write();
    } finally {
      forget();
    }
  };
  const forgetUser = (username: string) => () => cachedUsers.forget(username);
  const forgetClient = (clientId: string) => () => cachedClients.forget(clientId);

  // Writes go through either view: each updates the caches once it commits.
  const users: UserStore = {
    findByUsername: (username) => base.findByUsername(username),
    findByLogin: (name) => base.findByLogin(name),
    findCaseCollisions: () => base.findCaseCollisions(),
    createUser: (user) => thenForget(() => base.createUser(user), forgetUser(user.username)),
    updateUser: (username, patch, guard) =>
      thenForget(() => base.updateUser(username, patch, guard), forgetUser(username)),
    deleteUser: (username, guard) =>
      thenForget(() => base.deleteUser(username, guard), forgetUser(username)),
    upgradePasswordHash: (username, verified, upgraded) =>
      thenForget(
        () => base.upgradePasswordHash(username, verified, upgraded),
        forgetUser(username),
      ),
    listUsers: () => base.listUsers(),
    countUsers: () => base.countUsers(),
  };
  const denylist: AccessTokenDenylist = {
    async denyAccessToken(tokenId, expiresAt, now) {
      await baseDenylist.denyAccessToken(tokenId, expiresAt, now);
      purge(now);
      if (expiresAt > now) deny(tokenId, expiresAt);
    },
    isAccessTokenDenied: (tokenId) => baseDenylist.isAccessTokenDenied(tokenId),
  };
  const clients: ClientStore = {
    findClient: (clientId) => baseClients.findClient(clientId),
    listClients: () => baseClients.listClients(),
    createClient: (client) =>
      thenForget(() => baseClients.createClient(client), forgetClient(client.clientId)),
    updateClient: (clientId, patch, expected) =>
      thenForget(() => baseClients.updateClient(clientId, patch, expected), forgetClient(clientId)),
    deleteClient: (clientId) =>
      thenForget(() => baseClients.deleteClient(clientId), forgetClient(clientId)),
    useClientAssertionId: (clientId, jti, expiresAt, now) =>
      baseClients.useClientAssertionId(clientId, jti, expiresAt, now),
  };

  return {
    current: { users, denylist, clients },
    cached: {
      users: { ...users, findByUsername: (username) => cachedUsers.get(username) },
      denylist: {
        ...denylist,
        isAccessTokenDenied(tokenId) {
          if (!live()) return baseDenylist.isAccessTokenDenied(tokenId);
          return denied.has(tokenId);
        },
      },
      clients: { findClient: (clientId) => cachedClients.get(clientId) },
    },

    apply(event: ChangeEvent): void {
      switch (event.kind) {
        case "user_changed":
        case "user_deleted":
          cachedUsers.forget(event.username);
          break;
        case "access_token_revoked":
          deny(event.tokenId, event.expiresAt);
          break;
        case "client_changed":
          cachedClients.forget(event.clientId);
          break;
        case "signing_key_changed":
          break;
        default: {
          const unreachable: never = event;
          throw new TypeError(`unhandled change kind ${String(unreachable)}`);
        }
      }
      purge(clock.now());
    },

    async reload(snapshot: Queryable): Promise<number> {
      const head = await readPostgresFeedHead(snapshot);
      const rows = await snapshot.rows(
        "SELECT jti, expires_at FROM revoked_access_tokens WHERE expires_at > $1",
        [clock.now()],
      );
      cachedUsers.clear();
      cachedClients.clear();
      denied.clear();
      earliest = Number.POSITIVE_INFINITY;
      for (const row of rows) {
        const entry = parseRow(deniedRow, row, "revoked_access_tokens");
        deny(entry.jti, entry.expires_at);
      }
      return head.latest;
    },

    sizes: () => ({
      users: cachedUsers.size(),
      deniedTokens: denied.size,
      clients: cachedClients.size(),
    }),
  };
}

// Shared by every request that reads the record, so no one may change it.
function freezeUser(record: UserRecord | undefined): UserRecord | undefined {
  if (record === undefined) return undefined;
  Object.freeze(record.scopes);
  return Object.freeze(record);
}

function freezeClient(record: ClientRecord | undefined): ClientRecord | undefined {
  return record === undefined ? undefined : freezeClientRecord(record);
}
