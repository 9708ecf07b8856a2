// The read caches in front of PostgreSQL, on fake ports: what they answer from memory, and when not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClientRecord, ClientStore } from "gatehouse-auth-core/clients/client";
import { createFixedClock } from "gatehouse-auth-core/clock";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { AccessTokenDenylist } from "gatehouse-auth-core/tokens/denylist";
import type { UserRecord, UserStore } from "gatehouse-auth-core/users/user";
import type { Queryable } from "./pool.ts";
import { createPostgresReadCache } from "./read-cache.ts";

const start = Date.UTC(2025, 0, 1);

function record(username: string, disabled = false): UserRecord {
  return {
    username,
    email: null,
    fullName: null,
    disabled,
    scopes: ["me"],
    passwordHash: "$argon2id$test" as PasswordHash,
    createdAt: start,
    updatedAt: start,
    tokensValidAfter: null,
  };
}

const notUsed = (): never => {
  throw new Error("not used by this test");
};

/** Lookups in `rows` that are counted, and answered when the test says so. */
function gatedReads<T>(rows: Map<string, T>) {
  const reads: string[] = [];
  const held: (() => void)[] = [];
  let hold = false;
  return {
    reads,
    async read(key: string): Promise<T | undefined> {
      reads.push(key);
      const answer = rows.get(key);
      if (hold) await new Promise<void>((resolve) => held.push(resolve));
      return answer;
    },
    holdReads(on: boolean) {
      hold = on;
    },
    release() {
      for (const resolve of held.splice(0)) resolve();
    },
  };
}

/** A user store whose lookups are counted, and answered when the test says so. */
function fakeUsers() {
  const rows = new Map<string, UserRecord>();
  const { read, ...gate } = gatedReads(rows);
  const users: UserStore = {
    findByUsername: read,
    findByLogin: notUsed,
    findCaseCollisions: notUsed,
    createUser: notUsed,
    async updateUser(username, patch) {
      const next = { ...record(username), ...patch } as UserRecord;
      rows.set(username, next);
      return next;
    },
    deleteUser: notUsed,
    upgradePasswordHash: notUsed,
    listUsers: notUsed,
    countUsers: notUsed,
  };
  return { users, rows, ...gate };
}

function client(clientId: string, disabled = false): ClientRecord {
  return {
    clientId,
    name: clientId,
    type: "public",
    secretHash: null,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    grantTypes: ["authorization_code"],
    scopes: ["me"],
    redirectUris: ["https://app.example/callback"],
    audiences: [],
    firstParty: false,
    disabled,
    jwks: null,
    createdAt: start,
    updatedAt: start,
  };
}

/** A client store whose lookups are counted, and answered when the test says so. */
function fakeClients() {
  const rows = new Map<string, ClientRecord>();
  const { read, ...gate } = gatedReads(rows);
  const clients: ClientStore = {
    findClient: read,
    listClients: notUsed,
    createClient: notUsed,
    async updateClient(clientId, patch) {
      const next = { ...client(clientId), ...patch } as ClientRecord;
      rows.set(clientId, next);
      return next;
    },
    async deleteClient(clientId) {
      return rows.delete(clientId);
    },
    useClientAssertionId: notUsed,
  };
  return { clients, rows, ...gate };
}

const noDenylist: AccessTokenDenylist = {
  async denyAccessToken() {},
  async isAccessTokenDenied() {
    return false;
  },
};

function cacheOn(
  fake: ReturnType<typeof fakeUsers>,
  options: {
    live?: () => boolean;
    userCapacity?: number;
    clients?: ReturnType<typeof fakeClients>;
  } = {},
) {
  return createPostgresReadCache({
    users: fake.users,
    denylist: noDenylist,
    clients: (options.clients ?? fakeClients()).clients,
    clock: createFixedClock(start),
    userCapacity: options.userCapacity ?? 10,
    live: options.live ?? (() => true),
  });
}

describe("PostgreSQL read cache", () => {
  it("answers a user it has read at once, without reading the database again", async () => {
    const fake = fakeUsers();
    fake.rows.set("alice", record("alice"));
    const cache = cacheOn(fake);
    await cache.cached.users.findByUsername("alice");

    const again = cache.cached.users.findByUsername("alice");

    assert.equal(again instanceof Promise, false);
    assert.equal((await again)?.username, "alice");
    assert.deepEqual(fake.reads, ["alice"]);
  });

  it("remembers that a username does not exist until a user of that name is changed", async () => {
    const fake = fakeUsers();
    const cache = cacheOn(fake);
    await cache.cached.users.findByUsername("ghost");
    assert.equal(cache.cached.users.findByUsername("ghost"), undefined);

    fake.rows.set("ghost", record("ghost"));
    cache.apply({
      sequence: 1,
      at: start,
      kind: "user_changed",
      username: "ghost",
      disabled: false,
      tokensValidAfter: null,
    });

    assert.equal((await cache.cached.users.findByUsername("ghost"))?.username, "ghost");
  });

  it("drops a user when its change event arrives, so the next read sees the change", async () => {
    const fake = fakeUsers();
    fake.rows.set("alice", record("alice"));
    const cache = cacheOn(fake);
    await cache.cached.users.findByUsername("alice");

    fake.rows.set("alice", record("alice", true));
    cache.apply({
      sequence: 1,
      at: start,
      kind: "user_changed",
      username: "alice",
      disabled: true,
      tokensValidAfter: null,
    });

    assert.equal((await cache.cached.users.findByUsername("alice"))?.disabled, true);
  });

  it("does not keep a user read before a change whose event arrived while the read was in flight", async () => {
    const fake = fakeUsers();
    fake.rows.set("alice", record("alice"));
    const cache = cacheOn(fake);
    fake.holdReads(true);
    const inFlight = cache.cached.users.findByUsername("alice");
    fake.rows.set("alice", record("alice", true));
    cache.apply({ sequence: 1, at: start, kind: "user_deleted", username: "alice" });
    fake.release();
    assert.equal((await inFlight)?.disabled, false);
    fake.holdReads(false);

    const next = await cache.cached.users.findByUsername("alice");

    assert.equal(next?.disabled, true);
    assert.deepEqual(fake.reads, ["alice", "alice"]);
  });

  it("reads its own user writes at once, before their event arrives", async () => {
    const fake = fakeUsers();
    fake.rows.set("alice", record("alice"));
    const cache = cacheOn(fake);
    await cache.cached.users.findByUsername("alice");

    await cache.current.users.updateUser("alice", { disabled: true });

    assert.equal((await cache.cached.users.findByUsername("alice"))?.disabled, true);
  });

  it("refuses a revoked token id from memory, from an event or from its own write", async () => {
    const cache = cacheOn(fakeUsers());

    cache.apply({
      sequence: 1,
      at: start,
      kind: "access_token_revoked",
      tokenId: "jti-1",
      expiresAt: start + 1000,
    });
    await cache.current.denylist.denyAccessToken("jti-2", start + 1000, start);

    assert.equal(cache.cached.denylist.isAccessTokenDenied("jti-1"), true);
    assert.equal(cache.cached.denylist.isAccessTokenDenied("jti-2"), true);
    assert.equal(cache.cached.denylist.isAccessTokenDenied("jti-3"), false);
  });

  it("reads the database for every lookup of the store's own port, grants' and admins' reads", async () => {
    const fake = fakeUsers();
    fake.rows.set("alice", record("alice"));
    const cache = cacheOn(fake);
    await cache.cached.users.findByUsername("alice");

    await cache.current.users.findByUsername("alice");
    await cache.current.users.findByUsername("alice");

    assert.deepEqual(fake.reads, ["alice", "alice", "alice"]);
  });

  it("reads the database for every lookup while not live", async () => {
    const fake = fakeUsers();
    fake.rows.set("alice", record("alice"));
    let live = true;
    const cache = cacheOn(fake, { live: () => live });
    await cache.cached.users.findByUsername("alice");
    live = false;

    await cache.cached.users.findByUsername("alice");
    await cache.cached.users.findByUsername("alice");

    assert.deepEqual(fake.reads, ["alice", "alice", "alice"]);
  });

  it("keeps at most its capacity of users, dropping the least recently read", async () => {
    const fake = fakeUsers();
    for (const name of ["a", "b", "c"]) fake.rows.set(name, record(name));
    const cache = cacheOn(fake, { userCapacity: 2 });
    await cache.cached.users.findByUsername("a");
    await cache.cached.users.findByUsername("b");
    await cache.cached.users.findByUsername("a");

    await cache.cached.users.findByUsername("c");

    assert.equal(cache.sizes().users, 2);
    assert.equal(cache.cached.users.findByUsername("a") instanceof Promise, false);
    assert.equal(cache.cached.users.findByUsername("b") instanceof Promise, true);
  });

  it("starts again on reload: every user dropped, the denylist replaced by the snapshot's", async () => {
    const fake = fakeUsers();
    fake.rows.set("alice", record("alice"));
    const cache = cacheOn(fake);
    await cache.cached.users.findByUsername("alice");
    cache.apply({
      sequence: 1,
      at: start,
      kind: "access_token_revoked",
      tokenId: "old",
      expiresAt: start + 5000,
    });
    const snapshot: Queryable = {
      async rows(sql) {
        return sql.includes("revoked_access_tokens")
          ? [{ jti: "kept", expires_at: String(start + 5000) }]
          : [{ latest: "7", oldest: "1" }];
      },
      run: async () => 0,
      transaction: (work) => work(snapshot),
    };

    const sequence = await cache.reload(snapshot);

    assert.equal(sequence, 7);
    assert.deepEqual(cache.sizes(), { users: 0, deniedTokens: 1, clients: 0 });
    assert.equal(cache.cached.denylist.isAccessTokenDenied("kept"), true);
    assert.equal(cache.cached.denylist.isAccessTokenDenied("old"), false);
  });

  describe("clients", () => {
    const changed = (clientId: string) =>
      ({ sequence: 1, at: start, kind: "client_changed", clientId }) as const;

    it("answers a client it has read at once, and remembers one that does not exist", async () => {
      const fake = fakeClients();
      fake.rows.set("spa", client("spa"));
      const cache = cacheOn(fakeUsers(), { clients: fake });
      await cache.cached.clients.findClient("spa");
      await cache.cached.clients.findClient("gone");

      const again = cache.cached.clients.findClient("spa");
      const gone = cache.cached.clients.findClient("gone");

      assert.equal(again instanceof Promise, false);
      assert.equal((await again)?.clientId, "spa");
      assert.equal(gone, undefined);
      assert.deepEqual(fake.reads, ["spa", "gone"]);
      assert.equal(cache.sizes().clients, 2);
    });

    it("drops a client when its change event arrives, so a disable is seen on the next read", async () => {
      const fake = fakeClients();
      fake.rows.set("spa", client("spa"));
      const cache = cacheOn(fakeUsers(), { clients: fake });
      await cache.cached.clients.findClient("spa");

      fake.rows.set("spa", client("spa", true));
      cache.apply(changed("spa"));

      assert.equal((await cache.cached.clients.findClient("spa"))?.disabled, true);
    });

    it("does not keep a client read before a change whose event arrived while the read was in flight", async () => {
      const fake = fakeClients();
      fake.rows.set("spa", client("spa"));
      const cache = cacheOn(fakeUsers(), { clients: fake });
      fake.holdReads(true);
      const inFlight = cache.cached.clients.findClient("spa");
      fake.rows.delete("spa");
      cache.apply(changed("spa"));
      fake.release();
      assert.equal((await inFlight)?.clientId, "spa");
      fake.holdReads(false);

      assert.equal(await cache.cached.clients.findClient("spa"), undefined);
      assert.deepEqual(fake.reads, ["spa", "spa"]);
    });

    it("reads its own client writes at once, before their event arrives", async () => {
      const fake = fakeClients();
      fake.rows.set("spa", client("spa"));
      fake.rows.set("cli", client("cli"));
      const cache = cacheOn(fakeUsers(), { clients: fake });
      await cache.cached.clients.findClient("spa");
      await cache.cached.clients.findClient("cli");

      await cache.current.clients.updateClient("spa", { disabled: true });
      await cache.current.clients.deleteClient("cli");

      assert.equal((await cache.cached.clients.findClient("spa"))?.disabled, true);
      assert.equal(await cache.cached.clients.findClient("cli"), undefined);
    });

    it("reads the database for every lookup while not live, and for the store's own port", async () => {
      const fake = fakeClients();
      fake.rows.set("spa", client("spa"));
      let live = true;
      const cache = cacheOn(fakeUsers(), { clients: fake, live: () => live });
      await cache.cached.clients.findClient("spa");
      await cache.current.clients.findClient("spa");
      live = false;

      await cache.cached.clients.findClient("spa");

      assert.deepEqual(fake.reads, ["spa", "spa", "spa"]);
    });

    it("hands out records no request can change", async () => {
      const fake = fakeClients();
      fake.rows.set("spa", client("spa"));
      const cache = cacheOn(fakeUsers(), { clients: fake });
      const found = await cache.cached.clients.findClient("spa");

      assert.ok(found !== undefined);
      assert.equal(Object.isFrozen(found), true);
      assert.equal(Object.isFrozen(found.scopes), true);
    });
  });
});
