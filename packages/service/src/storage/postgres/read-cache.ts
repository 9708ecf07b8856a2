// What the hot path reads on PostgreSQL, kept in process memory and updated from the change feed.
import type { Awaitable } from "gatehouse-auth-core/awaitable";
import type { ChangeEvent } from "gatehouse-auth-core/changes/change-feed";
import type { Clock } from "gatehouse-auth-core/clock";
import type { GuardReads } from "gatehouse-auth-core/ports";
import type { AccessTokenDenylist } from "gatehouse-auth-core/tokens/denylist";
import type { UserRecord, UserStore } from "gatehouse-auth-core/users/user";
import { z } from "zod";
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
}

/** The caches, the ports in front of them, and the side the change follower feeds. */
export interface PostgresReadCache extends FollowedState {
  /**
   * The store's own ports: every read goes to the database (grants and admin reads must see the
   * present), and every write updates the caches as soon as it commits.
   */
  readonly current: GuardReads;
  /** The guard's view: `findByUsername` and `isAccessTokenDenied` answered from the caches. */
  readonly cached: GuardReads;
  sizes(): ReadCacheSizes;
}

/** What the caches read through to and when they may answer. */
export interface PostgresReadCacheOptions {
  readonly users: UserStore;
  readonly denylist: AccessTokenDenylist;
  readonly clock: Clock;
  /** The most users kept; the least recently read is dropped first. */
  readonly userCapacity: number;
  /** True while the caches are current (the follower is in `cached` mode). */
  readonly live: () => boolean;
}

const deniedRow = z.object({ jti: z.string(), expires_at: bigintNumber });

// A username known not to exist, cached as such so a token of a deleted user costs no query.
const absent = null;

/**
 * Creates the caches in front of the PostgreSQL `users` and `denylist` parts. While `live()`, the
 * `cached` view's `findByUsername` answers from an LRU of users (at once on a hit, so the hot
 * path awaits nothing), and its `isAccessTokenDenied` from the set of every revoked id not yet
 * expired (complete, loaded with the feed's sequence in one snapshot). Otherwise both read the
 * database, as the `current` view always does.
 *
 * An event for a user drops its entry, and a load in flight for that user is not kept, so a
 * record read before a change never outlives the change's event. A write through either view
 * updates the caches as soon as it commits, so this instance's guards see its own writes at
 * once; other instances' see them when the event arrives.
 */
export function createPostgresReadCache(options: PostgresReadCacheOptions): PostgresReadCache {
  const { users: base, denylist: baseDenylist, clock, live } = options;
  const cachedUsers = new Map<string, UserRecord | typeof absent>();
  // One load per username at a time; `stale` is set when the user changes meanwhile.
  const loading = new Map<string, { stale: boolean; promise: Promise<UserRecord | undefined> }>();
  const denied = new Map<string, number>();
  // The earliest expiry held, so purging costs nothing until an entry can go.
  let earliest = Number.POSITIVE_INFINITY;
  let epoch = 0;

  const forgetUser = (username: string): void => {
    cachedUsers.delete(username);
    const load = loading.get(username);
    if (load !== undefined) load.stale = true;
  };

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

  const keep = (username: string, record: UserRecord | undefined): void => {
    if (cachedUsers.size >= options.userCapacity) {
      // Map iteration follows insertion order, and a hit re-inserts: the first is least recent.
      const oldest = cachedUsers.keys().next();
      if (oldest.done !== true) cachedUsers.delete(oldest.value);
    }
    cachedUsers.set(username, record === undefined ? absent : freeze(record));
  };

  const load = (username: string): Promise<UserRecord | undefined> => {
    const inFlight = loading.get(username);
    if (inFlight !== undefined) return inFlight.promise;
    const startedIn = epoch;
    const entry = {
      stale: false,
      promise: Promise.resolve(base.findByUsername(username)).then(
        (record) => {
          loading.delete(username);
          if (!entry.stale && startedIn === epoch && live()) keep(username, record);
          return record === undefined ? undefined : freeze(record);
        },
        (error: unknown) => {
          loading.delete(username);
          throw error;
        },
      ),
    };
    loading.set(username, entry);
    return entry.promise;
  };

  // Writes go through either view: each updates the caches once it commits.
  const users: UserStore = {
    findByUsername: (username) => base.findByUsername(username),
    findByLogin: (name) => base.findByLogin(name),
    findCaseCollisions: () => base.findCaseCollisions(),
    async createUser(user) {
      try {
        return await base.createUser(user);
      } finally {
        forgetUser(user.username);
      }
    },
    async updateUser(username, patch, guard) {
      try {
        return await base.updateUser(username, patch, guard);
      } finally {
        forgetUser(username);
      }
    },
    async deleteUser(username, guard) {
      try {
        return await base.deleteUser(username, guard);
      } finally {
        forgetUser(username);
      }
    },
    async upgradePasswordHash(username, verified, upgraded) {
      try {
        return await base.upgradePasswordHash(username, verified, upgraded);
      } finally {
        forgetUser(username);
      }
    },
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

  return {
    current: { users, denylist },
    cached: {
      users: {
        ...users,
        findByUsername(username: string): Awaitable<UserRecord | undefined> {
          if (!live()) return base.findByUsername(username);
          const hit = cachedUsers.get(username);
          if (hit === undefined) return load(username);
          cachedUsers.delete(username);
          cachedUsers.set(username, hit);
          return hit ?? undefined;
        },
      },
      denylist: {
        ...denylist,
        isAccessTokenDenied(tokenId) {
          if (!live()) return baseDenylist.isAccessTokenDenied(tokenId);
          return denied.has(tokenId);
        },
      },
    },

    apply(event: ChangeEvent): void {
      switch (event.kind) {
        case "user_changed":
        case "user_deleted":
          forgetUser(event.username);
          break;
        case "access_token_revoked":
          deny(event.tokenId, event.expiresAt);
          break;
        case "client_changed":
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
      epoch += 1;
      cachedUsers.clear();
      for (const load of loading.values()) load.stale = true;
      denied.clear();
      earliest = Number.POSITIVE_INFINITY;
      for (const row of rows) {
        const entry = parseRow(deniedRow, row, "revoked_access_tokens");
        deny(entry.jti, entry.expires_at);
      }
      return head.latest;
    },

    sizes: () => ({ users: cachedUsers.size, deniedTokens: denied.size }),
  };
}

// Shared by every request that reads the user, so no one may change it.
function freeze(record: UserRecord): UserRecord {
  Object.freeze(record.scopes);
  return Object.freeze(record);
}
