import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { createFixedClock } from "gatehouse-auth-core/clock";
import type { SigningKeyRecord } from "gatehouse-auth-core/keys/signing-keys";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import { describeStoreContracts } from "../contract/store.contract.ts";
import { migrateSqlite, pendingSqliteMigrations } from "./migrate.ts";
import { createSqliteStore } from "./store.ts";

describeStoreContracts("SQLite store (:memory:)", async (clock) =>
  createSqliteStore({ path: ":memory:", clock }),
);

describe("SQLite audit_events", () => {
  it("refuses to change a recorded event: the table is append-only", async () => {
    const path = freshPath();
    const store = createSqliteStore({ path });
    await store.audit.record({
      type: "user.created",
      actor: "cli",
      subject: "bob",
      clientAddress: null,
      requestId: null,
      reason: null,
      details: {},
    });
    await store.close();
    const db = new DatabaseSync(path);

    assert.throws(() => db.exec("UPDATE audit_events SET actor = 'mallory'"), /append-only/);
    db.close();
  });
});

const start = Date.UTC(2025, 0, 1);
// The store never inspects a hash, so any non-empty string stands in for a hasher's output.
const hash = "$argon2id$v=19$m=19456,t=2,p=1$test" as PasswordHash;

function signingKey(kid: string): SigningKeyRecord {
  const secret = `secret-of-${kid}`;
  return {
    kid,
    algorithm: "HS256",
    secret,
    publicJwk: null,
    createdAt: start,
    activatedAt: start,
    retiresAt: null,
  };
}

function migrationVersions(db: DatabaseSync): unknown[] {
  return db
    .prepare("SELECT version FROM schema_migrations ORDER BY version")
    .all()
    .map(({ version }) => version);
}

// Every migration file shipped, by name: what a fresh database ends up with.
function shippedMigrations(): string[] {
  return pendingSqliteMigrations(new DatabaseSync(":memory:"));
}

let root = "";
let counter = 0;
const freshPath = (): string => join(root, `db-${++counter}`, "gatehouse.db");

before(() => {
  root = mkdtempSync(join(tmpdir(), "gatehouse-sqlite-"));
});

after(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("SQLite store on a file", () => {
  it("creates the database file and its missing parent directories", async () => {
    const path = join(root, "nested", "deeper", "gatehouse.db");

    const store = createSqliteStore({ path });
    await store.close();

    assert.equal(existsSync(path), true);
  });

  it("keeps users, items and the signing key across close and reopen", async () => {
    const path = freshPath();
    const first = createSqliteStore({ path, clock: createFixedClock(start) });
    const user = await first.users.createUser({
      username: "alice",
      scopes: ["me"],
      passwordHash: hash,
    });
    await first.items.addItem("alice", "foo");
    await first.signingKeys.ensureSigningKey(signingKey("k1"));
    await first.close();

    const reopened = createSqliteStore({ path });

    assert.deepEqual(await reopened.users.findByUsername("alice"), user);
    assert.deepEqual(await reopened.items.listItems("alice"), [{ itemId: "foo", owner: "alice" }]);
    assert.deepEqual(
      await reopened.signingKeys.ensureSigningKey(signingKey("k2")),
      signingKey("k1"),
    );
    await reopened.close();
  });

  it("records the migrations it applied and does not apply them again", async () => {
    const path = freshPath();
    await createSqliteStore({ path, clock: createFixedClock(start) }).close();
    const db = new DatabaseSync(path);

    const rerun = migrateSqlite(db);

    assert.deepEqual(rerun.applied, []);
    assert.deepEqual(pendingSqliteMigrations(db), []);
    assert.deepEqual(migrationVersions(db), shippedMigrations());
    const [record] = db.prepare("SELECT applied_at FROM schema_migrations").all();
    assert.deepEqual({ ...record }, { applied_at: start });
    db.close();
  });

  it("turns on write-ahead logging", async () => {
    const path = freshPath();
    await createSqliteStore({ path }).close();
    const db = new DatabaseSync(path);

    const mode = db.prepare("PRAGMA journal_mode").get();

    assert.deepEqual({ ...mode }, { journal_mode: "wal" });
    db.close();
  });

  it("lets two stores on the same file agree on the signing key", async () => {
    const path = freshPath();
    const one = createSqliteStore({ path });
    const two = createSqliteStore({ path });

    const fromOne = await one.signingKeys.ensureSigningKey(signingKey("k1"));
    const fromTwo = await two.signingKeys.ensureSigningKey(signingKey("k2"));

    assert.deepEqual(fromOne, signingKey("k1"));
    assert.deepEqual(fromTwo, fromOne);
    await Promise.all([one.close(), two.close()]);
  });

  it("migrates once and agrees on one signing key when several threads open a new file at once", async () => {
    const path = freshPath();
    const storeModule = pathToFileURL(join(import.meta.dirname, "store.ts")).href;
    const source = `
      const { parentPort, workerData } = require("node:worker_threads");
      import(workerData.storeModule).then(async ({ createSqliteStore }) => {
        const store = createSqliteStore({ path: workerData.path });
        const key = await store.signingKeys.ensureSigningKey(workerData.candidate);
        await store.close();
        parentPort.postMessage(key.kid);
      });`;
    const run = (kid: string): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const worker = new Worker(source, {
          eval: true,
          workerData: { storeModule, path, candidate: signingKey(kid) },
        });
        worker.once("message", resolve);
        worker.once("error", reject);
      });

    const kids = await Promise.all(["k1", "k2", "k3", "k4"].map(run));

    assert.equal(new Set(kids).size, 1);
    const db = new DatabaseSync(path);
    assert.deepEqual(migrationVersions(db), shippedMigrations());
    assert.deepEqual(
      { ...db.prepare("SELECT count(*) AS keys FROM signing_keys").get() },
      { keys: 1 },
    );
    db.close();
  });
});

describe("SQLite signing keys from before migration 003", () => {
  it("keeps a key stored by the first schema active from its creation", async () => {
    const path = freshPath();
    const first = mkdtempSync(join(root, "only-001-"));
    const shipped = new URL("./migrations/001-initial.sql", import.meta.url);
    writeFileSync(join(first, "001-initial.sql"), readFileSync(shipped));
    mkdirSync(dirname(path), { recursive: true });
    const old = new DatabaseSync(path);
    migrateSqlite(old, { directory: pathToFileURL(`${first}/`) });
    old
      .prepare("INSERT INTO signing_keys (kid, algorithm, secret, created_at) VALUES (?, ?, ?, ?)")
      .run("old", "HS256", "c2VjcmV0", start);
    old.close();

    const store = createSqliteStore({ path });

    assert.deepEqual(await store.signingKeys.listSigningKeys(), [
      { ...signingKey("old"), secret: "c2VjcmV0" },
    ]);
    assert.equal((await store.signingKeys.ensureSigningKey(signingKey("new"))).kid, "old");
    await store.close();
  });

  it("refuses a row whose algorithm it does not know, without echoing the row", async () => {
    const path = freshPath();
    const store = createSqliteStore({ path });
    const db = new DatabaseSync(path);
    db.prepare(
      "INSERT INTO signing_keys (kid, algorithm, secret, created_at, activated_at) VALUES (?, ?, ?, ?, ?)",
    ).run("k", "RS256", "top-secret-material", start, start);
    db.close();

    await assert.rejects(store.signingKeys.listSigningKeys(), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.equal(String(error.message).includes("top-secret-material"), false);
      return true;
    });
    await store.close();
  });
});

describe("SQLite users from before migration 006", () => {
  // A database made by the schema before usernames were unique in their canonical form.
  function databaseWithCaseCollision(): string {
    const path = freshPath();
    const before006 = mkdtempSync(join(root, "before-006-"));
    for (const name of [
      "001-initial",
      "002-token-lifecycle",
      "003-signing-key-lifecycle",
      "004-login-throttle",
      "005-audit-events",
    ]) {
      const shipped = new URL(`./migrations/${name}.sql`, import.meta.url);
      writeFileSync(join(before006, `${name}.sql`), readFileSync(shipped));
    }
    mkdirSync(dirname(path), { recursive: true });
    const old = new DatabaseSync(path);
    migrateSqlite(old, { directory: pathToFileURL(`${before006}/`) });
    const insert = old.prepare(
      "INSERT INTO users (username, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)",
    );
    for (const name of ["johndoe", "JOHNDOE", "alice"]) insert.run(name, "x", start, start);
    old.close();
    return path;
  }

  it("migrates a database holding names that differ only by case, and reports them", async () => {
    const store = createSqliteStore({ path: databaseWithCaseCollision() });

    assert.deepEqual(await store.users.findCaseCollisions(), [["JOHNDOE", "johndoe"]]);
    await store.close();
  });

  it("keeps both colliding accounts usable by their exact names and refuses a third", async () => {
    const store = createSqliteStore({ path: databaseWithCaseCollision() });

    assert.equal((await store.users.findByUsername("JOHNDOE"))?.username, "JOHNDOE");
    assert.equal((await store.users.findByLogin("johndoe"))?.username, "johndoe");
    assert.equal((await store.users.findByLogin("JOHNDOE"))?.username, "JOHNDOE");
    // Neither is named JohnDoe, so a login under that name cannot choose between them.
    assert.equal(await store.users.findByLogin("JohnDoe"), undefined);
    await assert.rejects(store.users.createUser({ username: "JohnDoe", passwordHash: hash }), {
      code: "username_taken",
    });
    await assert.rejects(store.users.createUser({ username: "ALICE", passwordHash: hash }), {
      code: "username_taken",
    });
    await store.close();
  });

  it("stops reporting a collision once one of its accounts is deleted", async () => {
    const store = createSqliteStore({ path: databaseWithCaseCollision() });

    await store.users.deleteUser("JOHNDOE");

    assert.deepEqual(await store.users.findCaseCollisions(), []);
    assert.equal((await store.users.findByLogin("JohnDoe"))?.username, "johndoe");
    await assert.rejects(store.users.createUser({ username: "JohnDoe", passwordHash: hash }), {
      code: "username_taken",
    });
    await store.close();
  });
});

describe("SQLite store edge cases", () => {
  it("refuses a clients row whose list column is not JSON, without echoing the row", async () => {
    const path = freshPath();
    const store = createSqliteStore({ path });
    const db = new DatabaseSync(path);
    db.prepare(
      "INSERT INTO clients (client_id, name, type, grant_types, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    ).run("c1", "x", "public", "not-json-top-secret", start, start);
    db.close();

    await assert.rejects(store.clients.listClients(), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.equal(String(error.message).includes("top-secret"), false);
      return true;
    });
    await store.close();
  });

  it("refuses a scope name that could not round-trip through the space-separated column", async () => {
    const store = createSqliteStore({ path: ":memory:" });

    await assert.rejects(
      store.users.createUser({ username: "alice", scopes: ["me items"], passwordHash: hash }),
      TypeError,
    );
    assert.equal(await store.users.countUsers(), 0);
    await store.close();
  });

  it("rolls back a refused signing key and still accepts the next candidate", async () => {
    const store = createSqliteStore({ path: ":memory:" });

    // STRICT tables refuse a fractional millisecond in an INTEGER column.
    await assert.rejects(
      store.signingKeys.ensureSigningKey({ ...signingKey("k1"), createdAt: start + 0.5 }),
    );
    assert.deepEqual(await store.signingKeys.listSigningKeys(), []);

    assert.deepEqual(await store.signingKeys.ensureSigningKey(signingKey("k2")), signingKey("k2"));
    await store.close();
  });

  it("rejects calls after it is closed, and closing twice is harmless", async () => {
    const store = createSqliteStore({ path: ":memory:" });
    await store.close();

    await assert.rejects(store.items.addItem("alice", "foo"));
    await store.close();
  });
});

describe("SQLite migrations", () => {
  const folderWith = (files: Record<string, string>): URL => {
    const directory = mkdtempSync(join(root, "migrations-"));
    for (const [name, sql] of Object.entries(files)) writeFileSync(join(directory, name), sql);
    return pathToFileURL(`${directory}/`);
  };

  it("lists every shipped migration as pending on an empty database", () => {
    const db = new DatabaseSync(":memory:");

    const pending = pendingSqliteMigrations(db);

    assert.equal(pending[0], "001-initial");
    assert.ok(pending.includes("003-signing-key-lifecycle"));
    assert.deepEqual(pending, [...pending].sort());
    db.close();
  });

  it("applies pending migrations in file-name order and reports their names", () => {
    const db = new DatabaseSync(":memory:");
    const directory = folderWith({
      "002-second.sql": "CREATE TABLE second (id INTEGER REFERENCES first (id)) STRICT;",
      "001-first.sql": "CREATE TABLE first (id INTEGER PRIMARY KEY) STRICT;",
      "README.md": "not a migration",
    });

    const result = migrateSqlite(db, { directory });

    assert.deepEqual(result.applied, ["001-first", "002-second"]);
    assert.deepEqual(pendingSqliteMigrations(db, { directory }), []);
    db.close();
  });

  it("rolls back a failing migration, keeps the ones before it, and leaves it pending", () => {
    const db = new DatabaseSync(":memory:");
    const directory = folderWith({
      "001-good.sql": "CREATE TABLE good (id INTEGER) STRICT;",
      "002-bad.sql": "CREATE TABLE half (id INTEGER) STRICT; INSERT INTO missing VALUES (1);",
    });

    assert.throws(() => migrateSqlite(db, { directory }));

    assert.deepEqual(migrationVersions(db), ["001-good"]);
    assert.deepEqual(pendingSqliteMigrations(db, { directory }), ["002-bad"]);
    assert.equal(db.prepare("SELECT name FROM sqlite_schema WHERE name = 'half'").get(), undefined);
    assert.equal(db.isTransaction, false);
    db.close();
  });

  it("refuses a .sql file not named NNN-description.sql", () => {
    const db = new DatabaseSync(":memory:");
    const directory = folderWith({ "1-initial.sql": "SELECT 1;" });

    assert.throws(() => migrateSqlite(db, { directory }), TypeError);
    db.close();
  });

  it("refuses two migrations with the same number", () => {
    const db = new DatabaseSync(":memory:");
    const directory = folderWith({ "001-a.sql": "SELECT 1;", "001-b.sql": "SELECT 1;" });

    assert.throws(() => migrateSqlite(db, { directory }), TypeError);
    db.close();
  });
});
