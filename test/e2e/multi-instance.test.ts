// Three server processes on one PostgreSQL database behave as one service: whatever one instance
// or the CLI changes, the others honour — grants and logins at once, because every piece of state
// lives in the database; route guards within the change feed's bound of 100 ms (issue 17).
// Each concern is one describe block using instances a, b and c: users, refresh token families,
// revocations, per-user cut-offs, signing keys and brute-force counters.
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { accountThrottleKey } from "gatehouse-auth-core/grants/throttle";
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

/** What `/token` answers with a password or a refresh token. */
interface Grant {
  readonly access_token: string;
  readonly refresh_token: string;
}

async function passwordGrant(url: string, username: string, password: string): Promise<Grant> {
  const response = await login(url, username, password);
  assert.equal(response.status, 200, `login of ${username} at ${url}`);
  return (await response.json()) as Grant;
}

function refresh(url: string, refreshToken: string): Promise<Response> {
  return fetch(`${url}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
  });
}

function revoke(url: string, token: string): Promise<Response> {
  return fetch(`${url}/revoke`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }),
  });
}

/** The change feed's bound: a guard on another instance refuses within it (issue 17). */
const feedBoundMs = 100;

/**
 * `GET /users/me/` on `url`, asked again until it is refused or the feed's bound has passed since
 * the first ask: the answer a guard gives once the change has reached its instance.
 */
async function meWithinBound(url: string, token: string): Promise<Response> {
  const started = performance.now();
  for (;;) {
    const answer = await getMe(url, token);
    if (answer.status !== 200 || performance.now() - started > feedBoundMs) return answer;
    await answer.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function errorOf(response: Response): Promise<unknown> {
  return ((await response.json()) as { error?: unknown }).error;
}

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

  // No grace window for retrying a spent refresh token, so every reuse is refused; a lock long
  // enough that a slow machine cannot outlast it between two requests.
  const environment = (): Record<string, string> => ({
    GATEHOUSE_DEMO: "true",
    GATEHOUSE_DATABASE_URL: database.url,
    GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS: "0",
    GATEHOUSE_THROTTLE_FREE_FAILURES: "5",
    GATEHOUSE_THROTTLE_BASE_DELAY_SECONDS: "300",
  });
  const addUser = async (username: string, password: string): Promise<void> => {
    const added = await runCliOn(
      database.url,
      ["users", "add", username, "--scopes", "me"],
      [password],
    );
    assert.equal(added.status, 0, added.stderr);
  };

  before(async () => {
    database = await createThrowawayDatabase();
    // Started at once on an empty database: they race to migrate, store a key and seed.
    instances = await Promise.all([1, 2, 3].map(() => startServerProcess(environment())));
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

    it("refuses on B, within the feed's bound, the token of a user disabled with the CLI", async () => {
      const token = await tokenFor(a.url, "carol", "carol's first passphrase");
      assert.equal((await getMe(b.url, token)).status, 200);

      const disabled = await runCliOn(database.url, ["users", "disable", "carol"]);
      const onB = await meWithinBound(b.url, token);
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

      assert.equal((await meWithinBound(c.url, token)).status, 401);
    });
  });

  describe("refresh tokens", () => {
    it("refuses on B a refresh token spent on A, and the reuse ends the family on C", async () => {
      const first = await passwordGrant(a.url, "johndoe", "secret");
      const rotated = await refresh(a.url, first.refresh_token);
      assert.equal(rotated.status, 200);
      const second = (await rotated.json()) as Grant;

      const reused = await refresh(b.url, first.refresh_token);
      const successorOnC = await refresh(c.url, second.refresh_token);

      assert.equal(reused.status, 400);
      assert.equal(await errorOf(reused), "invalid_grant");
      // Reuse detection revoked the whole family, including the token A handed out.
      assert.equal(successorOnC.status, 400);
      assert.equal(await errorOf(successorOnC), "invalid_grant");
    });

    it("lets exactly one of two simultaneous uses on A and B succeed", async () => {
      const grant = await passwordGrant(c.url, "johndoe", "secret");

      const answers = await Promise.all([
        refresh(a.url, grant.refresh_token),
        refresh(b.url, grant.refresh_token),
      ]);

      assert.deepEqual(answers.map((answer) => answer.status).sort(), [200, 400]);
    });
  });

  describe("revocation", () => {
    it("refuses on B and C, within the feed's bound, an access token revoked on A", async () => {
      const grant = await passwordGrant(a.url, "johndoe", "secret");
      assert.equal((await getMe(b.url, grant.access_token)).status, 200);

      assert.equal((await revoke(a.url, grant.access_token)).status, 200);

      assert.equal((await meWithinBound(b.url, grant.access_token)).status, 401);
      assert.equal((await meWithinBound(c.url, grant.access_token)).status, 401);
    });

    it("refuses on B a refresh token revoked on A", async () => {
      const grant = await passwordGrant(a.url, "johndoe", "secret");

      assert.equal((await revoke(a.url, grant.refresh_token)).status, 200);
      const onB = await refresh(b.url, grant.refresh_token);

      assert.equal(onB.status, 400);
      assert.equal(await errorOf(onB), "invalid_grant");
    });
  });

  describe("log out everywhere", () => {
    before(() => addUser("frank", "frank's passphrase"));

    it("ends on B and C every token issued before a logout-all on A", async () => {
      const fromB = await passwordGrant(b.url, "frank", "frank's passphrase");
      const fromC = await passwordGrant(c.url, "frank", "frank's passphrase");

      const loggedOut = await fetch(`${a.url}/users/me/logout-all`, {
        method: "POST",
        headers: { authorization: `Bearer ${fromB.access_token}` },
      });

      assert.equal(loggedOut.status, 204);
      assert.equal((await meWithinBound(b.url, fromB.access_token)).status, 401);
      assert.equal((await meWithinBound(c.url, fromC.access_token)).status, 401);
      assert.equal((await refresh(c.url, fromC.refresh_token)).status, 400);
      assert.equal((await refresh(b.url, fromB.refresh_token)).status, 400);
      // A new login is not affected.
      const after = await passwordGrant(c.url, "frank", "frank's passphrase");
      assert.equal((await getMe(a.url, after.access_token)).status, 200);
    });
  });

  describe("brute-force counters", () => {
    before(() => addUser("grace", "grace's passphrase"));

    it("counts failures made on any instance: the sixth attempt is 429 wherever it lands", async () => {
      const spread = [a, b, c, a, b];
      const failures: number[] = [];
      for (const instance of spread) {
        failures.push((await login(instance.url, "grace", "wrong passphrase")).status);
      }

      const sixth = await Promise.all(
        instances.map((instance) => login(instance.url, "grace", "wrong passphrase")),
      );
      const rightPasswordOnC = await login(c.url, "grace", "grace's passphrase");

      assert.deepEqual(failures, [400, 400, 400, 400, 400]);
      assert.deepEqual(
        sixth.map((answer) => answer.status),
        [429, 429, 429],
      );
      assert.ok(Number(sixth[0]?.headers.get("retry-after")) > 0);
      assert.equal(rightPasswordOnC.status, 429);
      const [counter] = await queryDatabase(
        database.url,
        "SELECT failures FROM login_throttle WHERE key = $1",
        [accountThrottleKey("grace")],
      );
      // Refused attempts are not counted: the lock does not grow while it holds.
      assert.equal(counter?.["failures"], 5);
    });
  });

  describe("signing key rotation with the CLI", () => {
    it("is honoured by B: a token signed with the new key verifies there, and old tokens still do", async () => {
      const before = await tokenFor(a.url, "johndoe", "secret");

      const rotated = await runCliOn(database.url, ["keys", "rotate"]);
      const [active] = await queryDatabase(
        database.url,
        "SELECT kid FROM signing_keys WHERE retires_at IS NULL",
      );
      // A fourth instance started now signs with the new key from its first token.
      const d = await startServerProcess(environment());
      instances.push(d);
      const signedWithNewKey = await tokenFor(d.url, "johndoe", "secret");

      assert.equal(rotated.status, 0, rotated.stderr);
      assert.equal(keyIdOf(signedWithNewKey), active?.["kid"]);
      assert.notEqual(keyIdOf(before), active?.["kid"]);
      assert.equal((await getMe(b.url, signedWithNewKey)).status, 200);
      assert.equal((await getMe(c.url, signedWithNewKey)).status, 200);
      assert.equal((await getMe(b.url, before)).status, 200);
      const jwks = (await (await fetch(`${b.url}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      assert.ok(jwks.keys.some((key) => key.kid === active?.["kid"]));
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
