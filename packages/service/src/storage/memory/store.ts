// The Store in process memory: for tests, the toolkit and trying Gatehouse out. Nothing persists.
import { defaultChangeRetentionMs } from "gatehouse-auth-core/changes/change-feed";
import { type Clock, systemClock } from "gatehouse-auth-core/clock";
import { AuthError } from "gatehouse-auth-core/errors";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";
import { canonicalUsername } from "gatehouse-auth-core/users/canonical-username";
import type { Item } from "gatehouse-auth-core/users/items";
import type { Seed } from "gatehouse-auth-core/users/seed";
import type {
  NewUser,
  UserPatch,
  UserRecord,
  UserWriteGuard,
} from "gatehouse-auth-core/users/user";
import { enforceWriteGuard, isActiveHolder } from "gatehouse-auth-core/users/user-write-guard";
import { refuseNulCharacters } from "../nul-refusal.ts";
import { userChanged } from "../rows/change-event-row.ts";
import { createMemoryAuditLog } from "./audit-log.ts";
import { createMemoryAuthorizationCodes } from "./authorization-codes.ts";
import { createMemoryChangeFeed } from "./change-feed.ts";
import { createMemoryClientStore } from "./clients.ts";
import { createMemoryConsents } from "./consents.ts";
import { createMemoryAccessTokenDenylist } from "./denylist.ts";
import { createMemoryDeviceCodeStore } from "./device-codes.ts";
import { createMemoryLoginSessions } from "./login-sessions.ts";
import { createMemoryReadiness } from "./readiness.ts";
import { createMemoryRefreshTokenStore } from "./refresh-tokens.ts";
import { createMemorySigningKeys } from "./signing-keys.ts";
import { createMemoryThrottleStore } from "./throttle.ts";
import { createMemoryUserDirectory } from "./user-directory.ts";

// Code-unit order, the same as SQLite's BINARY collation for the ASCII usernames allow.
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// Callers get copies and the store keeps copies, so no one can change a stored record in place.
function copyUser(record: UserRecord): UserRecord {
  return { ...record, scopes: [...record.scopes] };
}

function newRecord(user: NewUser, now: number): UserRecord {
  return {
    username: user.username,
    email: user.email ?? null,
    fullName: user.fullName ?? null,
    disabled: user.disabled ?? false,
    scopes: [...(user.scopes ?? [])],
    passwordHash: user.passwordHash,
    createdAt: now,
    updatedAt: now,
    tokensValidAfter: null,
  };
}

// Checks the whole seed before anything is stored, which is what makes seeding all-or-nothing here.
function checkSeed(seed: Seed): void {
  const names = new Set<string>();
  for (const user of seed.users) {
    if (names.has(canonicalUsername(user.username))) {
      throw new AuthError("username_taken", "the seed names a user twice");
    }
    names.add(canonicalUsername(user.username));
  }
  if (seed.items.some((item) => !seed.users.some((user) => user.username === item.owner))) {
    throw new AuthError("user_not_found", "a seeded item's owner is not in the seed");
  }
}

/**
 * Returns an empty {@link Store} held in memory, with the same behaviour as the SQL adapters
 * (it passes the same contract suite). Records going in and coming out are copies.
 *
 * @throws {AuthError} username_taken from `users.createUser` when the username exists
 * @throws {AuthError} user_not_found from `users.updateUser` and `items.addItem` when the user
 * does not exist
 * @example
 * const store = createMemoryStore({ clock: createFixedClock(Date.UTC(2025, 0, 1)) });
 */
export function createMemoryStore(
  options: { clock?: Clock; changeRetentionMs?: number } = {},
): Store {
  const clock = options.clock ?? systemClock;
  const {
    clear: clearChanges,
    append,
    ...changes
  } = createMemoryChangeFeed(clock, options.changeRetentionMs ?? defaultChangeRetentionMs);
  const users = new Map<string, UserRecord>();
  // Canonical username → username: what makes usernames unique in that form, and finds logins.
  const canonical = new Map<string, string>();
  const items = new Map<string, Set<string>>();
  const refreshTokens = createMemoryRefreshTokenStore((username) => users.has(username));
  const denylist = createMemoryAccessTokenDenylist(append);
  let open = true;
  const { clear: clearSigningKeys, ...signingKeys } = createMemorySigningKeys(append);
  const { clear: clearClients, ...clients } = createMemoryClientStore(clock, append);
  const { clear: clearDeviceCodes, ...deviceCodes } = createMemoryDeviceCodeStore();
  const userExists = (username: string): boolean => users.has(username);
  const {
    forgetUser: forgetSessions,
    clear: clearSessions,
    ...loginSessions
  } = createMemoryLoginSessions(userExists);
  const {
    forgetUser: forgetConsents,
    clear: clearConsents,
    ...consents
  } = createMemoryConsents(userExists);
  const {
    forgetUser: forgetCodes,
    clear: clearCodes,
    ...authorizationCodes
  } = createMemoryAuthorizationCodes(userExists);

  const requireUser = (username: string): UserRecord => {
    const record = users.get(username);
    if (record === undefined) throw new AuthError("user_not_found", "no user with this username");
    return record;
  };

  // Synchronous from the check to the write, so no other call can run in between.
  const checkGuard = (
    username: string,
    guard: UserWriteGuard | undefined,
    patch: UserPatch | undefined,
  ): void => {
    enforceWriteGuard(guard, username, users.get(username), patch, (scope) =>
      [...users.values()].some((user) => user.username !== username && isActiveHolder(user, scope)),
    );
  };

  const sortedUsers = async (): Promise<readonly UserRecord[]> =>
    [...users.values()].sort((a, b) => byString(a.username, b.username)).map(copyUser);
  const { forgetUser, clear: clearRefreshTokens, ...refreshTokenPort } = refreshTokens;
  const { clear: clearDenylist, ...denylistPort } = denylist;

  return refuseNulCharacters({
    users: {
      async findByUsername(username: string): Promise<UserRecord | undefined> {
        const record = users.get(username);
        return record === undefined ? undefined : copyUser(record);
      },

      async findByLogin(name: string): Promise<UserRecord | undefined> {
        const record = users.get(name) ?? users.get(canonical.get(canonicalUsername(name)) ?? "");
        return record === undefined ? undefined : copyUser(record);
      },

      // A memory store starts empty and refuses every collision, so it never holds one.
      async findCaseCollisions(): Promise<readonly (readonly string[])[]> {
        return [];
      },

      async createUser(user: NewUser): Promise<UserRecord> {
        const key = canonicalUsername(user.username);
        if (canonical.has(key)) {
          throw new AuthError(
            "username_taken",
            "a user with this username, or one differing only by case, exists",
          );
        }
        const record = newRecord(user, clock.now());
        users.set(record.username, record);
        canonical.set(key, record.username);
        append(userChanged(record));
        return copyUser(record);
      },

      async updateUser(
        username: string,
        patch: UserPatch,
        guard?: UserWriteGuard,
      ): Promise<UserRecord> {
        const current = requireUser(username);
        checkGuard(username, guard, patch);
        const record: UserRecord = {
          ...current,
          email: patch.email === undefined ? current.email : patch.email,
          fullName: patch.fullName === undefined ? current.fullName : patch.fullName,
          disabled: patch.disabled ?? current.disabled,
          scopes: [...(patch.scopes ?? current.scopes)],
          passwordHash: patch.passwordHash ?? current.passwordHash,
          tokensValidAfter: laterCutoff(current.tokensValidAfter, patch.tokensValidAfter),
          updatedAt: clock.now(),
        };
        users.set(username, record);
        append(userChanged(record));
        return copyUser(record);
      },

      async deleteUser(username: string, guard?: UserWriteGuard): Promise<boolean> {
        checkGuard(username, guard, undefined);
        items.delete(username);
        forgetUser(username);
        forgetSessions(username);
        forgetConsents(username);
        forgetCodes(username);
        if (!users.has(username)) return false;
        canonical.delete(canonicalUsername(username));
        users.delete(username);
        append({ kind: "user_deleted", username });
        return true;
      },

      async upgradePasswordHash(
        username: string,
        verified: PasswordHash,
        upgraded: PasswordHash,
      ): Promise<boolean> {
        const current = users.get(username);
        if (current === undefined || current.passwordHash !== verified) return false;
        users.set(username, { ...current, passwordHash: upgraded, updatedAt: clock.now() });
        return true;
      },

      listUsers: sortedUsers,

      async countUsers(): Promise<number> {
        return users.size;
      },
    },

    items: {
      async listItems(owner: string): Promise<readonly Item[]> {
        const ids = [...(items.get(owner) ?? [])].sort(byString);
        return ids.map((itemId) => ({ itemId, owner }));
      },

      async addItem(owner: string, itemId: string): Promise<Item> {
        requireUser(owner);
        const owned = items.get(owner) ?? new Set<string>();
        owned.add(itemId);
        items.set(owner, owned);
        return { itemId, owner };
      },
    },

    seed: {
      async seedIfEmpty(seed: Seed): Promise<boolean> {
        if (users.size > 0) return false;
        checkSeed(seed);
        const now = clock.now();
        for (const user of seed.users) {
          const record = newRecord(user, now);
          users.set(user.username, record);
          append(userChanged(record));
          canonical.set(canonicalUsername(user.username), user.username);
        }
        for (const item of seed.items) {
          items.set(item.owner, (items.get(item.owner) ?? new Set<string>()).add(item.itemId));
        }
        return true;
      },
    },

    directory: createMemoryUserDirectory(sortedUsers),
    signingKeys,
    refreshTokens: refreshTokenPort,
    denylist: denylistPort,
    throttle: createMemoryThrottleStore(),
    audit: createMemoryAuditLog(clock),
    clients,
    deviceCodes,
    loginSessions,
    consents,
    authorizationCodes,
    changes,
    readiness: createMemoryReadiness(() => open),

    async close(): Promise<void> {
      users.clear();
      canonical.clear();
      items.clear();
      clearRefreshTokens();
      clearDenylist();
      clearSigningKeys();
      clearClients();
      clearDeviceCodes();
      clearSessions();
      clearConsents();
      clearCodes();
      clearChanges();
      open = false;
    },
  });
}

// A cut-off only moves forward (two racing "log out everywhere" cannot undo each other); null clears it.
function laterCutoff(current: number | null, next: number | null | undefined): number | null {
  if (next === undefined) return current;
  if (next === null || current === null) return next;
  return Math.max(current, next);
}
