import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import { createSqliteReadMemo } from "./read-memo.ts";
import { createSqliteStore } from "./store.ts";

const hash = "$argon2id$v=19$m=19456,t=2,p=1$test" as PasswordHash;
const later = Date.now() + 3_600_000;

let root = "";
let counter = 0;
const freshPath = (): string => join(root, `db-${++counter}.db`);

before(() => {
  root = mkdtempSync(join(tmpdir(), "gatehouse-memo-"));
});

after(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Two stores on one file: two connections, as two instances or a CLI beside a server have. */
async function twoStores() {
  const path = freshPath();
  const server = createSqliteStore({ path });
  const other = createSqliteStore({ path });
  await server.users.createUser({ username: "johndoe", scopes: ["me"], passwordHash: hash });
  return {
    server,
    other,
    async close() {
      await server.close();
      await other.close();
    },
  };
}

describe("SQLite read memo", () => {
  it("answers a repeated read from memory while nothing is written", () => {
    const db = new DatabaseSync(":memory:");
    const memo = createSqliteReadMemo(db);
    let loads = 0;
    const load = () => ++loads;

    assert.equal(memo.read("test", "k", load), 1);
    assert.equal(memo.read("test", "k", load), 1);

    assert.equal(loads, 1);
    db.close();
  });

  it("keeps the answers of two kinds apart, even under the same key", () => {
    const db = new DatabaseSync(":memory:");
    const memo = createSqliteReadMemo(db);

    assert.equal(
      memo.read("user", "k", () => "a user"),
      "a user",
    );
    assert.equal(
      memo.read("denied", "k", () => false),
      false,
    );
    assert.equal(
      memo.read("user", "k", () => "another"),
      "a user",
    );
    db.close();
  });

  it("remembers an answer of undefined as an answer", () => {
    const db = new DatabaseSync(":memory:");
    const memo = createSqliteReadMemo(db);
    let loads = 0;
    const load = () => {
      loads++;
      return undefined;
    };

    memo.read("test", "missing", load);
    memo.read("test", "missing", load);

    assert.equal(loads, 1);
    db.close();
  });

  it("forgets everything once this connection writes, from the next run of code on", async () => {
    const db = new DatabaseSync(":memory:");
    db.exec("CREATE TABLE t (x INTEGER)");
    const memo = createSqliteReadMemo(db);
    let loads = 0;
    memo.read("test", "k", () => ++loads);

    db.exec("INSERT INTO t VALUES (1)");
    await Promise.resolve();

    assert.equal(
      memo.read("test", "k", () => ++loads),
      2,
    );
    db.close();
  });

  it("forgets everything once another connection commits, from the next run of code on", async () => {
    const path = freshPath();
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("CREATE TABLE t (x INTEGER)");
    const other = new DatabaseSync(path);
    const memo = createSqliteReadMemo(db);
    let loads = 0;
    memo.read("test", "k", () => ++loads);

    other.exec("INSERT INTO t VALUES (1)");
    await Promise.resolve();

    assert.equal(
      memo.read("test", "k", () => ++loads),
      2,
    );
    other.close();
    db.close();
  });

  it("asks for the stamp once per run of code: a second read in the same run is one lookup", () => {
    const db = new DatabaseSync(":memory:");
    db.exec("CREATE TABLE t (x INTEGER)");
    const memo = createSqliteReadMemo(db);
    let loads = 0;
    memo.read("test", "k", () => ++loads);

    db.exec("INSERT INTO t VALUES (1)"); // not through a store method, so nothing calls forget()

    assert.equal(
      memo.read("test", "k", () => ++loads),
      1,
    );
    db.close();
  });

  it("drops every answer when told a write happened", () => {
    const db = new DatabaseSync(":memory:");
    const memo = createSqliteReadMemo(db);
    let loads = 0;
    memo.read("test", "k", () => ++loads);

    memo.forget();

    assert.equal(
      memo.read("test", "k", () => ++loads),
      2,
    );
    db.close();
  });

  it("holds no more than its capacity: a full memo starts over", () => {
    const db = new DatabaseSync(":memory:");
    const memo = createSqliteReadMemo(db, 2);
    let loads = 0;
    memo.read("test", "a", () => ++loads);
    memo.read("test", "b", () => ++loads);

    memo.read("test", "c", () => ++loads);
    memo.read("test", "a", () => ++loads);

    assert.equal(loads, 4);
    db.close();
  });
});

describe("SQLite store reads through the memo", () => {
  it("sees a user disabled by another connection on the very next read", async () => {
    const stores = await twoStores();
    assert.equal((await stores.server.users.findByUsername("johndoe"))?.disabled, false);

    await stores.other.users.updateUser("johndoe", { disabled: true });

    assert.equal((await stores.server.users.findByUsername("johndoe"))?.disabled, true);
    await stores.close();
  });

  it("sees a user deleted by another connection on the very next read", async () => {
    const stores = await twoStores();
    await stores.server.users.findByUsername("johndoe");

    await stores.other.users.deleteUser("johndoe");

    assert.equal(await stores.server.users.findByUsername("johndoe"), undefined);
    await stores.close();
  });

  it("sees a user created by another connection after it was missing", async () => {
    const stores = await twoStores();
    assert.equal(await stores.server.users.findByUsername("alice"), undefined);

    await stores.other.users.createUser({ username: "alice", passwordHash: hash });

    assert.equal((await stores.server.users.findByUsername("alice"))?.username, "alice");
    await stores.close();
  });

  it("sees its own change to a user on the very next read", async () => {
    const stores = await twoStores();
    await stores.server.users.findByUsername("johndoe");

    await stores.server.users.updateUser("johndoe", { tokensValidAfter: 1234 });

    assert.equal((await stores.server.users.findByUsername("johndoe"))?.tokensValidAfter, 1234);
    await stores.close();
  });

  it("sees its own change to a user within the same run of code", async () => {
    const stores = await twoStores();
    await stores.server.users.findByUsername("johndoe");

    // No await between the three calls: node:sqlite runs each statement at the call.
    const before = stores.server.users.findByUsername("johndoe");
    const patched = stores.server.users.updateUser("johndoe", { disabled: true });
    const after = stores.server.users.findByUsername("johndoe");

    assert.equal((await before)?.disabled, false);
    await patched;
    assert.equal((await after)?.disabled, true);
    await stores.close();
  });

  it("sees a user it created or deleted itself within the same run of code", async () => {
    const stores = await twoStores();
    await stores.server.users.findByUsername("alice");

    const missing = stores.server.users.findByUsername("alice");
    const created = stores.server.users.createUser({ username: "alice", passwordHash: hash });
    const found = stores.server.users.findByUsername("alice");
    const deleted = stores.server.users.deleteUser("alice");
    const gone = stores.server.users.findByUsername("alice");

    assert.equal(await missing, undefined);
    await created;
    assert.equal((await found)?.username, "alice");
    assert.equal(await deleted, true);
    assert.equal(await gone, undefined);
    await stores.close();
  });

  it("refuses a token it denied itself within the same run of code", async () => {
    const stores = await twoStores();
    await stores.server.denylist.isAccessTokenDenied("jti-3");

    const before = stores.server.denylist.isAccessTokenDenied("jti-3");
    const denied = stores.server.denylist.denyAccessToken("jti-3", later, Date.now());
    const after = stores.server.denylist.isAccessTokenDenied("jti-3");

    assert.equal(await before, false);
    await denied;
    assert.equal(await after, true);
    await stores.close();
  });

  it("refuses a token denied by another connection on the very next probe", async () => {
    const stores = await twoStores();
    assert.equal(await stores.server.denylist.isAccessTokenDenied("jti-1"), false);

    await stores.other.denylist.denyAccessToken("jti-1", later, Date.now());

    assert.equal(await stores.server.denylist.isAccessTokenDenied("jti-1"), true);
    await stores.close();
  });

  it("refuses a token it denied itself on the very next probe", async () => {
    const stores = await twoStores();
    assert.equal(await stores.server.denylist.isAccessTokenDenied("jti-2"), false);

    await stores.server.denylist.denyAccessToken("jti-2", later, Date.now());

    assert.equal(await stores.server.denylist.isAccessTokenDenied("jti-2"), true);
    await stores.close();
  });

  it("keeps a user and a token id of the same text apart", async () => {
    const stores = await twoStores();
    await stores.server.denylist.denyAccessToken("johndoe", later, Date.now());

    assert.equal((await stores.server.users.findByUsername("johndoe"))?.username, "johndoe");
    assert.equal(await stores.server.denylist.isAccessTokenDenied("johndoe"), true);
    await stores.close();
  });

  it("hands out frozen records, so one caller cannot change what the next one reads", async () => {
    const stores = await twoStores();
    const record = await stores.server.users.findByUsername("johndoe");

    assert.equal(Object.isFrozen(record), true);
    assert.equal(Object.isFrozen(record?.scopes), true);
    await stores.close();
  });
});
