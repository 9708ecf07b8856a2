// The Store contract and the PostgreSQL adapter's own promises, on throwaway databases.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import { isAuthError } from "gatehouse-auth-core/errors";
import type { SigningKeyRecord } from "gatehouse-auth-core/keys/signing-keys";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";
import {
  createThrowawayDatabase,
  emptyDatabase,
  queryDatabase,
  requirePostgres,
  type ThrowawayDatabase,
} from "../../../../../test/fixtures/postgres-database.ts";
import { describeStoreContracts } from "../contract/store.contract.ts";
import { migratePostgres, pendingPostgresMigrations } from "./migrate.ts";
import { connectPostgres, type PostgresPool } from "./pool.ts";
import { createPostgresReadiness } from "./readiness.ts";
import { createPostgresStore } from "./store.ts";

// Skipped with the reason when no server answers; in CI that throws, so the file fails instead.
const skip = await requirePostgres();

const start = Date.UTC(2025, 0, 1);
const shippedMigrations = [
  "001-initial",
  "002-token-lifecycle",
  "003-signing-key-lifecycle",
  "004-login-throttle",
  "005-audit-events",
  "006-clients",
  "007-canonical-usernames",
  "008-refresh-token-clients",
  "009-authorization",
  "010-device-codes",
  "011-throttle-reservations",
  "012-change-feed",
];
// The store never inspects a hash, so any non-empty string stands in for a hasher's output.
const hash = "$argon2id$v=19$m=19456,t=2,p=1$test" as PasswordHash;

function signingKey(kid: string): SigningKeyRecord {
  return {
    kid,
    algorithm: "HS256",
    secret: `secret-of-${kid}`,
    publicJwk: null,
    createdAt: start,
    activatedAt: start,
    retiresAt: null,
  };
}

async function withPool<T>(url: string, work: (db: PostgresPool) => Promise<T>): Promise<T> {
  const db = await connectPostgres({ url, poolSize: 2, connectTimeoutMs: 3000 });
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

async function versions(url: string): Promise<unknown[]> {
  const rows = await queryDatabase(url, "SELECT version FROM schema_migrations ORDER BY version");
  return rows.map((row) => row["version"]);
}

describe("PostgreSQL store", { skip }, () => {
  // One database for the contract suites, emptied before each test; other tests make their own.
  let shared: ThrowawayDatabase;
  const made: ThrowawayDatabase[] = [];
  const fresh = async (): Promise<string> => {
    const database = await createThrowawayDatabase();
    made.push(database);
    return database.url;
  };

  before(async () => {
    shared = await createThrowawayDatabase();
    made.push(shared);
  });

  after(async () => {
    for (const database of made) await database.drop();
  });

  const emptyStore = async (clock: Clock): Promise<Store> => {
    const store = await createPostgresStore({ url: shared.url, poolSize: 2, clock });
    await emptyDatabase(shared.url);
    return store;
  };
  describeStoreContracts("contract", emptyStore);

  describe("on its own database", () => {
    it("applies the shipped migrations once and records when", async () => {
      const url = await fresh();
      await (await createPostgresStore({ url, clock: createFixedClock(start) })).close();

      const rerun = await withPool(url, (db) => migratePostgres(db));

      assert.deepEqual(rerun.applied, []);
      assert.deepEqual(await withPool(url, (db) => pendingPostgresMigrations(db)), []);
      assert.deepEqual(
        await queryDatabase(
          url,
          "SELECT version, applied_at FROM schema_migrations ORDER BY version",
        ),
        shippedMigrations.map((version) => ({ version, applied_at: String(start) })),
      );
    });

    it("migrates once and agrees on one signing key when several stores open a new database at once", async () => {
      const url = await fresh();

      const kids = await Promise.all(
        ["k1", "k2", "k3", "k4"].map(async (kid) => {
          const store = await createPostgresStore({ url, poolSize: 1 });
          const key = await store.signingKeys.ensureSigningKey(signingKey(kid));
          await store.close();
          return key.kid;
        }),
      );

      assert.equal(new Set(kids).size, 1);
      assert.deepEqual(await versions(url), shippedMigrations);
      assert.deepEqual(await queryDatabase(url, "SELECT count(*)::int AS keys FROM signing_keys"), [
        { keys: 1 },
      ]);
    });

    it("seeds once when several stores seed an empty database at once", async () => {
      const url = await fresh();
      await (await createPostgresStore({ url })).close();
      const seed = {
        users: [{ username: "johndoe", passwordHash: hash }],
        items: [{ owner: "johndoe", itemId: "Foo" }],
      };

      const seeded = await Promise.all(
        [1, 2, 3].map(async () => {
          const store = await createPostgresStore({ url, poolSize: 1 });
          const result = await store.seed.seedIfEmpty(seed);
          await store.close();
          return result;
        }),
      );

      assert.deepEqual(seeded.filter(Boolean), [true]);
      assert.deepEqual(await queryDatabase(url, "SELECT count(*)::int AS items FROM items"), [
        { items: 1 },
      ]);
    });

    it("keeps users, items and the signing key across close and reconnect", async () => {
      const url = await fresh();
      const first = await createPostgresStore({ url, clock: createFixedClock(start) });
      const user = await first.users.createUser({
        username: "alice",
        scopes: ["me"],
        passwordHash: hash,
      });
      await first.items.addItem("alice", "foo");
      await first.signingKeys.ensureSigningKey(signingKey("k1"));
      await first.close();

      const reopened = await createPostgresStore({ url });

      assert.deepEqual(await reopened.users.findByUsername("alice"), user);
      assert.deepEqual(await reopened.items.listItems("alice"), [
        { itemId: "foo", owner: "alice" },
      ]);
      assert.deepEqual(
        await reopened.signingKeys.ensureSigningKey(signingKey("k2")),
        signingKey("k1"),
      );
      await reopened.close();
    });

    it("opens at most poolSize connections and closes them all on close", async () => {
      const url = await fresh();
      const store = await createPostgresStore({ url, poolSize: 2 });
      const connections = async (): Promise<unknown> =>
        (
          await queryDatabase(
            url,
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gatehouse'",
          )
        )[0]?.["n"];

      await Promise.all(Array.from({ length: 20 }, () => store.users.findByUsername("nobody")));
      const open = await connections();
      await store.close();

      assert.ok(typeof open === "number" && open >= 1 && open <= 2, `open connections: ${open}`);
      assert.equal(await connections(), 0);
    });

    it("rejects calls after it is closed, and closing twice is harmless", async () => {
      const store = await createPostgresStore({ url: await fresh() });
      await store.close();

      await assert.rejects(async () => store.users.findByUsername("alice"));
      await store.close();
    });
  });

  describe("shared state under concurrency (two stores, as two instances)", () => {
    const day = 24 * 60 * 60 * 1000;
    let url = "";
    let a: Store;
    let b: Store;
    before(async () => {
      url = await fresh();
      a = await createPostgresStore({ url, poolSize: 4 });
      b = await createPostgresStore({ url, poolSize: 4 });
      await a.users.createUser({ username: "alice", passwordHash: hash });
    });
    after(async () => {
      await a.close();
      await b.close();
    });

    it("lets exactly one of many simultaneous uses of a refresh token rotate it", async () => {
      await a.refreshTokens.createRefreshFamily({
        familyId: "race",
        username: "alice",
        clientId: null,
        scopes: ["me"],
        createdAt: start,
        expiresAt: start + 30 * day,
        token: { tokenHash: "race-0", issuedAt: start, expiresAt: start + 7 * day },
      });

      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? a : b).refreshTokens.rotateRefreshToken(
            "race-0",
            { tokenHash: `race-next-${i}`, issuedAt: start + 1, expiresAt: start + 7 * day },
            start + 1,
          ),
        ),
      );

      assert.equal(outcomes.filter(Boolean).length, 1);
      const rows = await queryDatabase(
        url,
        "SELECT state, count(*)::int AS n FROM refresh_tokens WHERE family_id = 'race' GROUP BY state ORDER BY state",
      );
      assert.deepEqual(rows, [
        { state: "active", n: 1 },
        { state: "rotated", n: 1 },
      ]);
    });

    it("lets one of simultaneous uses of a client assertion id on two instances through, in 60 trials", async () => {
      for (let trial = 0; trial < 60; trial++) {
        const outcomes = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (i % 2 === 0 ? a : b).clients.useClientAssertionId(
              "svc",
              `jti-${trial}`,
              start + 300_000,
              start,
            ),
          ),
        );

        assert.equal(outcomes.filter(Boolean).length, 1, `trial ${trial}`);
      }
    });

    it("refuses a rotation that waited on a revocation of the same family", async () => {
      await a.refreshTokens.createRefreshFamily({
        familyId: "revoked",
        username: "alice",
        clientId: null,
        scopes: ["me"],
        createdAt: start,
        expiresAt: start + 30 * day,
        token: { tokenHash: "revoked-0", issuedAt: start, expiresAt: start + 7 * day },
      });

      const [, rotated] = await Promise.all([
        a.refreshTokens.revokeRefreshFamily("revoked", start + 1),
        b.refreshTokens.rotateRefreshToken(
          "revoked-0",
          { tokenHash: "revoked-1", issuedAt: start + 1, expiresAt: start + 7 * day },
          start + 2,
        ),
      ]);
      const survivor = await b.refreshTokens.findRefreshToken(rotated ? "revoked-1" : "revoked-0");

      // Whichever ran first, the family ends revoked: nothing of it is accepted any more.
      assert.equal(survivor?.familyRevoked, true);
      assert.equal(
        await a.refreshTokens.rotateRefreshToken(
          rotated ? "revoked-1" : "revoked-0",
          { tokenHash: "revoked-2", issuedAt: start + 3, expiresAt: start + 7 * day },
          start + 3,
        ),
        false,
      );
    });

    it("never lets more checks run than free failures when 50 attempts reach two instances at once, 60 trials", async () => {
      const rule = { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 60_000, windowMs: 3_600_000 };

      for (let trial = 0; trial < 60; trial++) {
        const decisions = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            (i % 2 === 0 ? a : b).throttle.reserveAttempt(`k${trial}`, rule, start, 30_000),
          ),
        );

        const inFlight = decisions
          .flatMap((d) => (d.kind === "reserved" ? [d.inFlight] : []))
          .sort((x, y) => x - y);
        assert.deepEqual(inFlight, [1, 2, 3, 4, 5], `trial ${trial}`);
      }
    });

    it("ends with one active key when several instances rotate at once", async () => {
      await a.signingKeys.ensureSigningKey(signingKey("first"));

      await Promise.all(
        ["r1", "r2", "r3", "r4"].map((kid, i) =>
          (i % 2 === 0 ? a : b).signingKeys.rotateSigningKey(
            { ...signingKey(kid), activatedAt: start + i + 1 },
            start + 60_000,
          ),
        ),
      );

      const active = (await b.signingKeys.listSigningKeys()).filter(
        (key) => key.retiresAt === null,
      );
      assert.equal(active.length, 1);
      assert.equal((await a.signingKeys.ensureSigningKey(signingKey("late"))).kid, active[0]?.kid);
    });

    it("reports the pool's connections", async () => {
      const store = await createPostgresStore({ url, poolSize: 3 });
      await Promise.all(Array.from({ length: 6 }, () => store.users.countUsers()));

      const stats = store.poolStats();

      assert.ok(stats.total >= 1 && stats.total <= 3, `total: ${stats.total}`);
      assert.equal(stats.idle, stats.total);
      assert.equal(stats.waiting, 0);
      await store.close();
      assert.equal(store.poolStats().total, 0);
    });
  });

  describe("audit_events", () => {
    const event = {
      type: "user.created",
      actor: "cli",
      subject: "bob",
      clientAddress: null,
      requestId: null,
      reason: null,
      details: {},
    } as const;

    it("refuses to change or delete a recorded event: the table is append-only", async () => {
      const url = await fresh();
      const store = await createPostgresStore({ url, clock: createFixedClock(start) });
      await store.audit.record(event);

      await assert.rejects(
        queryDatabase(url, "UPDATE audit_events SET actor = 'mallory'"),
        /append-only/,
      );
      await assert.rejects(queryDatabase(url, "DELETE FROM audit_events"), /append-only/);
      assert.equal((await store.audit.list({ limit: 10 })).events.length, 1);
      await store.close();
    });

    it("lets only the retention purge delete, and only within its own transaction", async () => {
      const url = await fresh();
      const store = await createPostgresStore({ url, clock: createFixedClock(start) });
      await store.audit.record(event);

      assert.equal(await store.audit.purgeBefore(start + 1), 1);
      await store.audit.record(event);
      await assert.rejects(store.audit.purgeBefore(Number.NaN));
      // The purge's permission ended with its transaction, on every connection it used.
      await assert.rejects(
        withPool(url, (db) => db.run("DELETE FROM audit_events")),
        /append-only/,
      );
      await store.close();
    });
  });

  describe("readiness", () => {
    it("is not ready while a shipped migration has not been applied", async () => {
      const url = await fresh();
      const store = await createPostgresStore({ url });
      const directory = mkdtempSync(join(tmpdir(), "gatehouse-pg-ready-"));
      writeFileSync(join(directory, "999-later.sql"), "SELECT 1;");

      const readiness = await withPool(url, (db) =>
        createPostgresReadiness(db, pathToFileURL(`${directory}/`)).checkReady(),
      );

      assert.deepEqual(readiness, { ok: false, detail: "migrations pending" });
      rmSync(directory, { recursive: true, force: true });
      await store.close();
    });

    it("is not ready when the database answers reads but refuses writes", async () => {
      const url = await fresh();
      await (await createPostgresStore({ url })).close();
      const readOnly = new URL(url);
      readOnly.searchParams.set("options", "-c default_transaction_read_only=on");

      const readiness = await withPool(readOnly.href, (db) =>
        createPostgresReadiness(db).checkReady(),
      );

      assert.deepEqual(readiness, { ok: false, detail: "database not writable" });
    });
  });

  describe("signing keys from before migration 003", () => {
    it("keeps a key stored by the first schema active from its creation", async () => {
      const url = await fresh();
      const directory = mkdtempSync(join(tmpdir(), "gatehouse-pg-001-"));
      const shipped = new URL("./migrations/001-initial.sql", import.meta.url);
      writeFileSync(join(directory, "001-initial.sql"), readFileSync(shipped));
      await withPool(url, (db) =>
        migratePostgres(db, { directory: pathToFileURL(`${directory}/`) }),
      );
      await queryDatabase(
        url,
        "INSERT INTO signing_keys (kid, algorithm, secret, created_at) VALUES ('old', 'HS256', 'c2VjcmV0', $1)",
        [start],
      );
      rmSync(directory, { recursive: true, force: true });

      const store = await createPostgresStore({ url });

      assert.deepEqual(await store.signingKeys.listSigningKeys(), [
        { ...signingKey("old"), secret: "c2VjcmV0" },
      ]);
      assert.equal((await store.signingKeys.ensureSigningKey(signingKey("new"))).kid, "old");
      await store.close();
    });
  });

  describe("users from before migration 006", () => {
    // A database made by the schema before usernames were unique in their canonical form.
    const databaseWithCaseCollision = async (): Promise<string> => {
      const url = await fresh();
      const directory = mkdtempSync(join(tmpdir(), "gatehouse-pg-005-"));
      for (const name of shippedMigrations.slice(0, 5)) {
        const shipped = new URL(`./migrations/${name}.sql`, import.meta.url);
        writeFileSync(join(directory, `${name}.sql`), readFileSync(shipped));
      }
      await withPool(url, (db) =>
        migratePostgres(db, { directory: pathToFileURL(`${directory}/`) }),
      );
      rmSync(directory, { recursive: true, force: true });
      for (const name of ["johndoe", "JOHNDOE", "alice"]) {
        await queryDatabase(
          url,
          "INSERT INTO users (username, password_hash, created_at, updated_at) VALUES ($1, 'x', $2, $2)",
          [name, start],
        );
      }
      return url;
    };

    it("migrates a database holding names that differ only by case, and reports them", async () => {
      const store = await createPostgresStore({ url: await databaseWithCaseCollision() });

      assert.deepEqual(await store.users.findCaseCollisions(), [["JOHNDOE", "johndoe"]]);
      await store.close();
    });

    it("keeps both colliding accounts usable by their exact names and refuses a third", async () => {
      const store = await createPostgresStore({ url: await databaseWithCaseCollision() });

      assert.equal((await store.users.findByUsername("JOHNDOE"))?.username, "JOHNDOE");
      assert.equal((await store.users.findByLogin("johndoe"))?.username, "johndoe");
      assert.equal((await store.users.findByLogin("JOHNDOE"))?.username, "JOHNDOE");
      // Neither is named JohnDoe, so a login under that name cannot choose between them.
      assert.equal(await store.users.findByLogin("JohnDoe"), undefined);
      for (const username of ["JohnDoe", "ALICE"]) {
        await assert.rejects(store.users.createUser({ username, passwordHash: hash }), {
          code: "username_taken",
        });
      }
      await store.close();
    });

    it("stops reporting a collision once one of its accounts is deleted", async () => {
      const store = await createPostgresStore({ url: await databaseWithCaseCollision() });

      await store.users.deleteUser("JOHNDOE");

      assert.deepEqual(await store.users.findCaseCollisions(), []);
      assert.equal((await store.users.findByLogin("JohnDoe"))?.username, "johndoe");
      await store.close();
    });

    it("refuses one of two new users differing only by case created at once", async () => {
      const url = await fresh();
      const [one, two] = [
        await createPostgresStore({ url, poolSize: 2 }),
        await createPostgresStore({ url, poolSize: 2 }),
      ];

      const outcomes = await Promise.allSettled([
        one.users.createUser({ username: "carol", passwordHash: hash }),
        two.users.createUser({ username: "CAROL", passwordHash: hash }),
      ]);

      assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), ["fulfilled", "rejected"]);
      assert.equal((await one.users.listUsers()).length, 1);
      await one.close();
      await two.close();
    });
  });

  describe("edge cases", () => {
    it("keeps the driver's error as the cause of user_not_found", async () => {
      const store = await createPostgresStore({ url: await fresh() });
      await store.users.createUser({ username: "alice", passwordHash: hash });

      const causeCode =
        (code: string) =>
        (error: Error): boolean => {
          assert.equal((error.cause as { code?: unknown }).code, code);
          return true;
        };

      // A duplicate is found before the insert (the unique index is left for races): no cause.
      await assert.rejects(store.users.createUser({ username: "alice", passwordHash: hash }), {
        code: "username_taken",
      });
      await assert.rejects(
        store.items.addItem("nobody", "foo"),
        (error: Error) => causeCode("23503")(error) && isAuthError(error, "user_not_found"),
      );
      await store.close();
    });

    it("sorts usernames by code unit whatever the database's locale", async () => {
      const store = await createPostgresStore({ url: await fresh() });
      for (const username of ["bob", "Zed", "alice", "_x", "Carol"]) {
        await store.users.createUser({ username, passwordHash: hash });
      }

      const names = (await store.users.listUsers()).map((user) => user.username);

      assert.deepEqual(names, ["Carol", "Zed", "_x", "alice", "bob"]);
      await store.close();
    });

    it("refuses a row whose timestamp is not a safe integer instead of rounding it", async () => {
      const url = await fresh();
      const store = await createPostgresStore({ url });
      await queryDatabase(
        url,
        "INSERT INTO users (username, password_hash, created_at, updated_at) VALUES ('big', 'h', 9007199254740993, 0)",
      );

      await assert.rejects(async () => store.users.findByUsername("big"), TypeError);
      await store.close();
    });

    it("rolls back a refused signing key and still accepts the next candidate", async () => {
      const store = await createPostgresStore({ url: await fresh() });

      // BIGINT refuses a fractional millisecond.
      await assert.rejects(
        store.signingKeys.ensureSigningKey({ ...signingKey("k1"), createdAt: start + 0.5 }),
      );

      assert.deepEqual(
        await store.signingKeys.ensureSigningKey(signingKey("k2")),
        signingKey("k2"),
      );
      await store.close();
    });

    it("discards a connection that died inside a transaction and keeps serving", async () => {
      const url = await fresh();

      const answer = await withPool(url, async (db) => {
        await assert.rejects(
          db.transaction((tx) => tx.rows("SELECT pg_terminate_backend(pg_backend_pid())")),
        );
        return db.rows("SELECT 1 AS one");
      });

      assert.deepEqual(answer, [{ one: 1 }]);
    });
  });

  describe("startup failures", () => {
    let silent: Server;
    let silentPort = 0;
    const sockets = new Set<Socket>();
    before(async () => {
      // Accepts connections and never answers, like a server behind a black-holing firewall.
      silent = createServer((socket) => {
        sockets.add(socket);
      });
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const address = silent.address();
      silentPort = typeof address === "object" && address !== null ? address.port : 0;
    });
    after(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it("names the server, not the password, when nothing listens", async () => {
      await assert.rejects(
        createPostgresStore({ url: "postgres://gatehouse:hunter2@127.0.0.1:1/gatehouse" }),
        (error: Error) => {
          assert.match(
            error.message,
            /^cannot connect to PostgreSQL at 127\.0\.0\.1:1\/gatehouse: /,
          );
          assert.doesNotMatch(error.message, /hunter2/);
          return true;
        },
      );
    });

    it("gives up after the connect timeout when the server never answers", async () => {
      const startedAt = performance.now();

      await assert.rejects(
        createPostgresStore({
          url: `postgres://gatehouse:hunter2@127.0.0.1:${silentPort}/gatehouse`,
          connectTimeoutMs: 200,
        }),
        /cannot connect to PostgreSQL at 127\.0\.0\.1:\d+\/gatehouse: .*timeout/i,
      );
      assert.ok(performance.now() - startedAt < 3000);
    });

    it("says so when the database does not exist", async () => {
      const url = new URL(await fresh());
      url.pathname = "/gatehouse_no_such_database";

      await assert.rejects(createPostgresStore({ url: url.href }), /does not exist/);
    });

    it("still names no password for a URL it cannot parse", async () => {
      await assert.rejects(
        createPostgresStore({ url: "hunter2 is not a url", connectTimeoutMs: 500 }),
        (error: Error) => {
          assert.match(error.message, /^cannot connect to PostgreSQL at the configured server: /);
          assert.doesNotMatch(error.message, /hunter2/);
          return true;
        },
      );
    });
  });

  describe("migrations", () => {
    let root = "";
    before(() => {
      root = mkdtempSync(join(tmpdir(), "gatehouse-pg-migrations-"));
    });
    after(() => {
      rmSync(root, { recursive: true, force: true });
    });
    const folderWith = (files: Record<string, string>): URL => {
      const directory = mkdtempSync(join(root, "set-"));
      for (const [name, sql] of Object.entries(files)) writeFileSync(join(directory, name), sql);
      return pathToFileURL(`${directory}/`);
    };

    it("lists every shipped migration as pending on an empty database", async () => {
      const url = await fresh();

      assert.deepEqual(
        await withPool(url, (db) => pendingPostgresMigrations(db)),
        shippedMigrations,
      );
    });

    it("applies pending migrations in file-name order and reports their names", async () => {
      const url = await fresh();
      const directory = folderWith({
        "002-second.sql": "CREATE TABLE second (id BIGINT REFERENCES first (id));",
        "001-first.sql": "CREATE TABLE first (id BIGINT PRIMARY KEY);",
        "README.md": "not a migration",
      });

      const result = await withPool(url, (db) => migratePostgres(db, { directory }));

      assert.deepEqual(result.applied, ["001-first", "002-second"]);
      assert.deepEqual(
        await withPool(url, (db) => pendingPostgresMigrations(db, { directory })),
        [],
      );
    });

    it("rolls back a failing migration, keeps the ones before it, and leaves it pending", async () => {
      const url = await fresh();
      const directory = folderWith({
        "001-good.sql": "CREATE TABLE good (id BIGINT);",
        "002-bad.sql": "CREATE TABLE half (id BIGINT); INSERT INTO missing VALUES (1);",
      });

      await assert.rejects(withPool(url, (db) => migratePostgres(db, { directory })));

      assert.deepEqual(await versions(url), ["001-good"]);
      assert.deepEqual(await withPool(url, (db) => pendingPostgresMigrations(db, { directory })), [
        "002-bad",
      ]);
      assert.deepEqual(await queryDatabase(url, "SELECT to_regclass('half') AS half"), [
        { half: null },
      ]);
    });

    it("closes its pool when a migration fails at startup", async () => {
      const url = await fresh();
      await queryDatabase(url, "CREATE TABLE users (clash BIGINT)");

      await assert.rejects(createPostgresStore({ url }), /already exists/);

      const open = await queryDatabase(
        url,
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'gatehouse'",
      );
      assert.deepEqual(open, [{ n: 0 }]);
    });
  });
});
