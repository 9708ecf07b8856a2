// Following the feed on PostgreSQL: notifications, the timer behind them, fallback and recovery.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ChangeEvent } from "gatehouse-auth-core/changes/change-feed";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { GuardReads } from "gatehouse-auth-core/ports";
import {
  createThrowawayDatabase,
  queryDatabase,
  requirePostgres,
  type ThrowawayDatabase,
} from "../../../../../test/fixtures/postgres-database.ts";
import { type ChangeFollower, startChangeFollower } from "./change-follower.ts";
import { createPostgresStore, type PostgresStore } from "./store.ts";

const skip = await requirePostgres();
const hash = "$argon2id$v=19$m=19456,t=2,p=1$test" as PasswordHash;

/** Waits until `check` holds, polling every 5 ms; fails after `limitMs`. Returns the wait. */
async function within(limitMs: number, check: () => Promise<boolean> | boolean): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limitMs) assert.fail(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - started;
}

function guardOf(store: PostgresStore): GuardReads {
  assert.ok(store.guardReads !== undefined, "a caching store hands the guard its cached reads");
  return store.guardReads;
}

/** Ends the feed connections of `url`'s database, as an operator or a failover would. */
async function killFeedConnections(url: string): Promise<number> {
  const rows = await queryDatabase(
    url,
    `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'gatehouse-change-feed'`,
  );
  return rows.length;
}

describe("PostgreSQL change follower", { skip }, () => {
  let database: ThrowawayDatabase;
  // Writes without caches of its own; `reader` follows the feed.
  let writer: PostgresStore;

  before(async () => {
    database = await createThrowawayDatabase();
    writer = await createPostgresStore({ url: database.url, poolSize: 2, readCache: false });
  });

  after(async () => {
    await writer.close();
    await database.drop();
  });

  it("starts in cached mode and sees another instance's change within 100 ms", async () => {
    const reader = await createPostgresStore({ url: database.url, poolSize: 2 });
    try {
      await writer.users.createUser({ username: "carol", passwordHash: hash });
      await within(
        1000,
        async () => (await guardOf(reader).users.findByUsername("carol")) !== undefined,
      );
      assert.equal(reader.readState().mode, "cached");
      assert.equal((await reader.readiness.checkReady()).reads, "cached");

      await writer.users.updateUser("carol", { disabled: true });

      await within(
        100,
        async () => (await guardOf(reader).users.findByUsername("carol"))?.disabled === true,
      );
    } finally {
      await reader.close();
    }
  });

  it("sees another instance's client disabled, then deleted, within 100 ms", async () => {
    const reader = await createPostgresStore({ url: database.url, poolSize: 2 });
    try {
      await writer.clients.createClient({
        clientId: "spa",
        name: "SPA",
        type: "public",
        secretHash: null,
        grantTypes: ["authorization_code"],
        scopes: ["me"],
        redirectUris: ["https://app.example/callback"],
        audiences: [],
        firstParty: false,
      });
      const clients = guardOf(reader).clients;
      assert.ok(clients !== undefined, "a caching store caches the guard's client reads");
      // Answered from memory once read after its creation's event arrived.
      await within(1000, async () => (await clients.findClient("spa")) !== undefined);
      await within(1000, () => !(clients.findClient("spa") instanceof Promise));

      await writer.clients.updateClient("spa", { disabled: true });
      await within(100, async () => (await clients.findClient("spa"))?.disabled === true);

      await writer.clients.deleteClient("spa");
      await within(100, async () => (await clients.findClient("spa")) === undefined);
      assert.equal(reader.readState().mode, "cached");
    } finally {
      await reader.close();
    }
  });

  it("applies an event whose notification was lost at the next timed read", async () => {
    const reader = await createPostgresStore({
      url: database.url,
      poolSize: 2,
      readCache: { pollIntervalMs: 100 },
    });
    try {
      await writer.users.createUser({ username: "dave", passwordHash: hash });
      await within(
        1000,
        async () => (await guardOf(reader).users.findByUsername("dave")) !== undefined,
      );

      // The change and its event, committed without the notification an append sends.
      await queryDatabase(
        database.url,
        `WITH head AS (UPDATE change_feed_head SET last_sequence = last_sequence + 1
                       WHERE id = 1 RETURNING last_sequence),
              changed AS (UPDATE users SET disabled = true WHERE username = 'dave')
         INSERT INTO change_events (sequence, at, kind, subject, disabled)
         SELECT last_sequence, 0, 'user_changed', 'dave', true FROM head`,
      );

      await within(
        1000,
        async () => (await guardOf(reader).users.findByUsername("dave"))?.disabled === true,
      );
      assert.equal(reader.readState().mode, "cached");
    } finally {
      await reader.close();
    }
  });

  it("reads directly at once when its feed connection is killed, and is cached again once caught up", async () => {
    const reader = await createPostgresStore({ url: database.url, poolSize: 2 });
    try {
      await writer.users.createUser({ username: "erin", passwordHash: hash });
      // Answered from memory once read after its creation's event arrived.
      await within(1000, () => !(guardOf(reader).users.findByUsername("erin") instanceof Promise));

      assert.equal(await killFeedConnections(database.url), 1);
      await within(100, () => reader.readState().mode === "direct");
      await writer.users.updateUser("erin", { disabled: true });
      await writer.denylist.denyAccessToken("during-outage", Date.now() + 60_000, Date.now());

      assert.equal((await guardOf(reader).users.findByUsername("erin"))?.disabled, true);
      await within(2000, () => reader.readState().mode === "cached");
      assert.equal((await guardOf(reader).users.findByUsername("erin"))?.disabled, true);
      assert.equal(await guardOf(reader).denylist.isAccessTokenDenied("during-outage"), true);
    } finally {
      await reader.close();
    }
  });

  it("loads the state afresh when the events it missed were pruned", async () => {
    const applied: number[] = [];
    let reloads = 0;
    const follower: ChangeFollower = startChangeFollower({
      url: database.url,
      connectTimeoutMs: 3000,
      pollIntervalMs: 50,
      maxStalenessMs: 1000,
      reconnectDelayMs: 50,
      state: {
        apply: (event: ChangeEvent) => applied.push(event.sequence),
        async reload(snapshot) {
          reloads += 1;
          const [row] = await snapshot.rows(
            "SELECT coalesce(max(last_sequence), 0)::int AS latest FROM change_feed_head",
          );
          return Number((row as { latest: number }).latest);
        },
      },
    });
    try {
      assert.equal(await follower.waitUntilCached(3000), true);
      const start = follower.appliedSequence();

      // Three events, of which the first two are pruned before the follower reads them.
      await queryDatabase(
        database.url,
        `WITH head AS (INSERT INTO change_feed_head (id, last_sequence) VALUES (1, $1::bigint + 3)
                       ON CONFLICT (id) DO UPDATE SET last_sequence = $1::bigint + 3)
         INSERT INTO change_events (sequence, at, kind, subject)
         VALUES ($1::bigint + 3, 0, 'user_deleted', 'x')`,
        [start],
      );

      await within(1000, () => follower.appliedSequence() === start + 3);
      assert.equal(reloads, 2);
      assert.deepEqual(applied, []);
    } finally {
      await follower.close();
    }
  });

  it("loads the state afresh when the feed went backwards (a database restored or emptied)", async () => {
    let reloads = 0;
    const follower = startChangeFollower({
      url: database.url,
      connectTimeoutMs: 3000,
      pollIntervalMs: 50,
      maxStalenessMs: 1000,
      reconnectDelayMs: 50,
      state: {
        apply: () => {},
        async reload(snapshot) {
          reloads += 1;
          const [row] = await snapshot.rows(
            "SELECT coalesce(max(last_sequence), 0)::int AS latest FROM change_feed_head",
          );
          // The first load claims a sequence the database never reached.
          return reloads === 1 ? 1_000_000 : Number((row as { latest: number }).latest);
        },
      },
    });
    try {
      assert.equal(await follower.waitUntilCached(3000), true);

      await within(1000, () => follower.appliedSequence() < 1_000_000);
      assert.equal(reloads, 2);
      assert.equal(await follower.waitUntilCached(1000), true);
    } finally {
      await follower.close();
    }
  });
});
