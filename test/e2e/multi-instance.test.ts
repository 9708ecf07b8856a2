// Three server processes on one PostgreSQL database behave as one service: whatever one instance
// or the CLI changes, the others honour at once, because every piece of state lives in the database.
// Each concern is one describe block using instances a, b and c; a new shared state (refresh
// tokens, revocations, key rotation, throttling counters) adds its own block the same way.
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { runCliOn } from "../fixtures/cli-run.ts";
import {
  createThrowawayDatabase,
  queryDatabase,
  requirePostgres,
  type ThrowawayDatabase,
} from "../fixtures/postgres-database.ts";
import {
  getMe,
  launchServerProcess,
  login,
  type ServerProcess,
  startServerProcess,
  stopServerProcess,
  tokenFor,
} from "../fixtures/server-process.ts";

const skip = await requirePostgres();

function keyIdOf(token: string): unknown {
  const [header = ""] = token.split(".");
  return (JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { kid?: unknown }).kid;
}

describe("three instances sharing one PostgreSQL database", { skip }, () => {
  let database: ThrowawayDatabase;
  let instances: ServerProcess[] = [];
  // Named so each case reads as "issued by A, checked on B".
  let a: ServerProcess;
  let b: ServerProcess;
  let c: ServerProcess;

  before(async () => {
    database = await createThrowawayDatabase();
    // Started at once on an empty database: they race to migrate, store a key and seed.
    instances = await Promise.all(
      [1, 2, 3].map(() =>
        startServerProcess({ GATEHOUSE_DEMO: "true", GATEHOUSE_DATABASE_URL: database.url }),
      ),
    );
    [a, b, c] = instances as [ServerProcess, ServerProcess, ServerProcess];
  });

  after(async () => {
    await Promise.all(instances.map((instance) => stopServerProcess(instance)));
    await database.drop();
  });

  describe("startup", () => {
    it("seeds the demo data once although all three started at once", async () => {
      const seeded = instances.filter((instance) => /seeded users johndoe/.test(instance.log()));

      assert.equal(seeded.length, 1);
      assert.deepEqual(
        await queryDatabase(
          database.url,
          "SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM items) AS items",
        ),
        [{ users: 2, items: 1 }],
      );
    });

    it("signs with the one key the first instance stored, on every instance", async () => {
      const keys = await queryDatabase(database.url, "SELECT kid FROM signing_keys");

      const kids = await Promise.all(
        instances.map(async (instance) =>
          keyIdOf(await tokenFor(instance.url, "johndoe", "secret")),
        ),
      );

      assert.equal(keys.length, 1);
      assert.deepEqual(kids, [keys[0]?.["kid"], keys[0]?.["kid"], keys[0]?.["kid"]]);
    });
  });

  describe("access tokens", () => {
    it("accepts a token issued by A on B and on C", async () => {
      const token = await tokenFor(a.url, "johndoe", "secret");

      const answers = await Promise.all([getMe(b.url, token), getMe(c.url, token)]);

      assert.deepEqual(
        answers.map((answer) => answer.status),
        [200, 200],
      );
    });

    it("accepts tokens issued by B and C on A", async () => {
      const tokens = await Promise.all([
        tokenFor(b.url, "johndoe", "secret"),
        tokenFor(c.url, "johndoe", "secret"),
      ]);

      const answers = await Promise.all(tokens.map((token) => getMe(a.url, token)));

      assert.deepEqual(
        answers.map((answer) => answer.status),
        [200, 200],
      );
    });
  });

  describe("user changes made on A's database", () => {
    before(async () => {
      const added = await runCliOn(
        database.url,
        ["users", "add", "carol", "--scopes", "me"],
        ["carol's first passphrase"],
      );
      assert.equal(added.status, 0, added.stderr);
    });

    it("refuses on B, at once, the token of a user disabled with the CLI", async () => {
      const token = await tokenFor(a.url, "carol", "carol's first passphrase");
      assert.equal((await getMe(b.url, token)).status, 200);

      const disabled = await runCliOn(database.url, ["users", "disable", "carol"]);
      const onB = await getMe(b.url, token);
      const loginOnC = await login(c.url, "carol", "carol's first passphrase");
      await runCliOn(database.url, ["users", "enable", "carol"]);

      assert.equal(disabled.status, 0);
      assert.equal(onB.status, 400);
      assert.deepEqual(await onB.json(), { detail: "Inactive user" });
      assert.equal(loginOnC.status, 400);
    });

    it("honours on B a password changed with the CLI: the old one is refused, the new one works", async () => {
      const changed = await runCliOn(
        database.url,
        ["users", "set-password", "carol"],
        ["carol's second passphrase", "carol's second passphrase"],
      );

      const oldOnB = await login(b.url, "carol", "carol's first passphrase");
      const newOnB = await login(b.url, "carol", "carol's second passphrase");

      assert.equal(changed.status, 0, changed.stderr);
      assert.equal(oldOnB.status, 400);
      assert.equal(newOnB.status, 200);
    });

    it("refuses on C a token whose user was deleted on A", async () => {
      await runCliOn(database.url, ["users", "add", "dave"], ["dave's passphrase"]);
      const token = await tokenFor(a.url, "dave", "dave's passphrase");

      await runCliOn(database.url, ["users", "delete", "dave"]);

      assert.equal((await getMe(c.url, token)).status, 401);
    });
  });

  describe("the CLI on the shared database", () => {
    it("reports the schema current and masks the password of the URL", async () => {
      const url = new URL(database.url);
      // Local test servers trust loopback connections, so any password is accepted here.
      url.password = "hunter2";

      const migrated = await runCliOn(url.href, ["migrate"]);

      assert.equal(migrated.status, 0, migrated.stderr);
      assert.match(migrated.stdout, /schema is up to date \(postgres:\/\/postgres:\*\*\*@/);
      assert.doesNotMatch(migrated.stdout, /hunter2/);
    });
  });
});

describe("a server whose PostgreSQL cannot be reached", () => {
  it("exits at startup with a message naming the server and not the password", async () => {
    const server = launchServerProcess({
      GATEHOUSE_DATABASE_URL: "postgres://gatehouse:hunter2@127.0.0.1:1/gatehouse",
    });

    const [code] = (await once(server.process, "exit")) as [number | null];

    assert.equal(code, 1);
    assert.match(server.log(), /cannot connect to PostgreSQL at 127\.0\.0\.1:1\/gatehouse/);
    assert.doesNotMatch(server.log(), /hunter2/);
  });
});
