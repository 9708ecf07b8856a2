// Timing safety, proven by counting: every failed login does the same password-hashing work,
// whether or not the account exists, so response time cannot tell an attacker which usernames
// are real. Counts, unlike clocks, do not flake.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { maxPasswordBytes } from "gatehouse-auth-core/passwords/hasher";
import { authenticate } from "gatehouse-auth-core/users/authenticate";
import type { CountingHasher } from "../fixtures/fast-hasher.ts";
import { createCountingHasher, createFastHasher } from "../fixtures/fast-hasher.ts";
import { createPageBrowser } from "../fixtures/page-browser.ts";
import type { TestApp } from "../fixtures/test-app.ts";
import { makeTestApp } from "../fixtures/test-app.ts";

/** One kind of login attempt and the answer it must get. */
interface LoginCase {
  readonly name: string;
  readonly username: string;
  readonly password: string;
  readonly status: number;
  readonly detail: string;
}

const refused = "Incorrect username or password";

// Every case here answers after exactly one password verification.
const oneHashCases: readonly LoginCase[] = [
  { name: "an unknown user", username: "nobody", password: "wrong", status: 400, detail: refused },
  {
    name: "a wrong password",
    username: "johndoe",
    password: "wrong",
    status: 400,
    detail: refused,
  },
  {
    name: "an inactive user with a wrong password",
    username: "alice",
    password: "wrong",
    status: 400,
    detail: refused,
  },
  {
    name: "an inactive user with the right password",
    username: "alice",
    password: "secret2",
    status: 400,
    detail: "Inactive user",
  },
  {
    name: "a username no account could have",
    username: "-not a username-",
    password: "secret",
    status: 400,
    detail: refused,
  },
  { name: "a successful login", username: "johndoe", password: "secret", status: 200, detail: "" },
  // Throttled requests are below: they do no hashing at all, for every username alike.
];

describe("hashing work per login attempt", () => {
  let t: TestApp;
  let hasher: CountingHasher;
  before(async () => {
    hasher = createCountingHasher(createFastHasher());
    t = await makeTestApp({ hasher });
  });
  after(() => t.close());

  async function attempt(username: string, password: string): Promise<Response> {
    return t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ username, password }),
    });
  }

  for (const login of oneHashCases) {
    it(`does exactly one password verification for ${login.name}`, async () => {
      const before = hasher.verifications;

      const response = await attempt(login.username, login.password);

      assert.equal(response.status, login.status);
      if (login.detail !== "") {
        assert.equal(((await response.json()) as { detail: string }).detail, login.detail);
      }
      assert.equal(hasher.verifications - before, 1);
    });
  }

  it("answers a too-long password 422 with no hashing, for known and unknown users alike", async () => {
    const long = "x".repeat(maxPasswordBytes + 1);
    const before = hasher.verifications;

    const known = await attempt("johndoe", long);
    const unknown = await attempt("nobody", long);

    assert.deepEqual([known.status, unknown.status], [422, 422]);
    assert.deepEqual(await known.json(), await unknown.json());
    assert.equal(hasher.verifications - before, 0);
  });

  it("makes an unknown user and a wrong password give byte-identical answers", async () => {
    const unknown = await attempt("nobody", "wrong");
    const wrong = await attempt("johndoe", "wrong");

    assert.equal(unknown.status, wrong.status);
    assert.equal(await unknown.text(), await wrong.text());
  });
});

describe("hashing work per attempt on the login page", () => {
  let t: TestApp;
  let hasher: CountingHasher;
  before(async () => {
    hasher = createCountingHasher(createFastHasher());
    t = await makeTestApp({ hasher });
  });
  after(() => t.close());

  for (const login of oneHashCases) {
    it(`does exactly one password verification for ${login.name}`, async () => {
      const browser = createPageBrowser(t.app);
      await browser.request("/login");
      const before = hasher.verifications;

      const response = await browser.logIn(login.username, login.password);

      assert.equal(response.status, login.status === 200 ? 303 : login.status);
      if (login.detail !== "") assert.match(await response.text(), new RegExp(login.detail));
      assert.equal(hasher.verifications - before, 1);
    });
  }

  it("answers an unknown user and a wrong password with the same page, apart from the name typed", async () => {
    const page = async (username: string): Promise<string> => {
      const answer = await createPageBrowser(t.app).logIn(username, "wrong");
      return (await answer.text())
        .replace(/name="csrf_token" value="[^"]*"/, "")
        .replace(/name="username"([^>]*) value="[^"]*"/, 'name="username"$1');
    };

    assert.equal(await page("nobody"), await page("johndoe"));
  });
});

describe("hashing work in the toolkit's authenticate()", () => {
  let t: TestApp;
  let hasher: CountingHasher;
  before(async () => {
    hasher = createCountingHasher(createFastHasher());
    t = await makeTestApp({ hasher });
  });
  after(() => t.close());

  it("does one verification for a too-long password, for a known and an unknown user", async () => {
    const long = "x".repeat(maxPasswordBytes + 1);
    const deps = { users: t.store.users, hasher };

    for (const username of ["johndoe", "nobody"]) {
      const before = hasher.verifications;
      await assert.rejects(authenticate(deps, username, long), {
        name: "AuthError",
        code: "invalid_credentials",
      });
      assert.equal(hasher.verifications - before, 1, username);
    }
  });
});

describe("hashing work for a throttled login", () => {
  const rule = { freeFailures: 1, baseDelayMs: 600_000, maxDelayMs: 600_000, windowMs: 3_600_000 };
  let t: TestApp;
  let hasher: CountingHasher;
  before(async () => {
    hasher = createCountingHasher(createFastHasher());
    t = await makeTestApp({
      hasher,
      throttle: { account: rule, address: { ...rule, freeFailures: 1000 } },
    });
  });
  after(() => t.close());

  const attempt = (username: string, password: string): Promise<Response> =>
    Promise.resolve(
      t.app.request("/token", {
        method: "POST",
        body: new URLSearchParams({ username, password }),
      }),
    );

  it("does no verification and answers alike for a locked real, disabled and unknown account", async () => {
    for (const username of ["johndoe", "alice", "nobody"]) await attempt(username, "wrong");
    const before = hasher.verifications;

    const answers = await Promise.all(
      [
        ["johndoe", "secret"],
        ["alice", "secret2"],
        ["nobody", "wrong"],
      ].map(async ([username = "", password = ""]) => {
        const response = await attempt(username, password);
        return { status: response.status, body: await response.text() };
      }),
    );

    assert.equal(hasher.verifications - before, 0);
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [429, 429, 429],
    );
    assert.equal(new Set(answers.map((answer) => answer.body)).size, 1);
  });
});
