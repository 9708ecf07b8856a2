import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authorize } from "gatehouse-auth-core/authorize";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { hashRefreshToken, startRefreshFamily } from "gatehouse-auth-core/tokens/refresh-tokens";
import { type CliHarness, createCliHarness } from "../../../../../test/fixtures/cli-harness.ts";
import { createFastHasher } from "../../../../../test/fixtures/fast-hasher.ts";

const password = "correct horse battery staple";

describe("gatehouse users", () => {
  let cli: CliHarness;
  let serial = 0;
  // Each test works on its own user, so tests never depend on one another's order.
  const freshName = (): string => `user${++serial}`;
  const addUser = async (username: string, ...flags: string[]): Promise<void> => {
    const run = await cli.run(["users", "add", username, ...flags], { passwords: [password] });
    assert.equal(run.status, 0, run.stderr);
  };

  before(async () => {
    cli = await createCliHarness();
  });
  after(async () => {
    await cli.remove();
  });

  it("adds a user that show then prints as JSON without the password hash", async () => {
    const username = freshName();
    const added = await cli.run(
      [
        "users",
        "add",
        username,
        "--email",
        "a@example.com",
        "--full-name",
        "A B",
        "--scopes",
        "me items",
      ],
      { passwords: [password] },
    );

    const shown = await cli.run(["users", "show", username]);

    assert.equal(added.status, 0);
    assert.equal(shown.status, 0);
    const { createdAt, updatedAt, ...user } = JSON.parse(shown.stdout);
    assert.deepEqual(user, {
      username,
      email: "a@example.com",
      fullName: "A B",
      disabled: false,
      scopes: ["me", "items"],
    });
    assert.match(createdAt, /^\d{4}-\d{2}-\d{2}T/);
    assert.match(updatedAt, /^\d{4}-\d{2}-\d{2}T/);
    assert.doesNotMatch(shown.stdout, /argon2|passwordHash/);
  });

  it("asks for the new password with confirmation", async () => {
    const run = await cli.run(["users", "add", freshName()], { passwords: [password] });

    assert.equal(run.status, 0);
    assert.equal(run.prompts.length, 1);
    assert.equal(run.prompts[0]?.confirm, true);
  });

  it("never prints the password or its hash", async () => {
    const username = freshName();
    const added = await cli.run(["users", "add", username], { passwords: [password] });

    const listed = await cli.run(["users", "list", "--json"]);

    for (const text of [added.stdout, added.stderr, listed.stdout, listed.stderr]) {
      assert.ok(!text.includes(password));
      assert.doesNotMatch(text, /\$argon2/);
    }
  });

  it("lists users as JSON", async () => {
    const username = freshName();
    await addUser(username, "--disabled", "--scopes", "me");

    const run = await cli.run(["users", "list", "--json"]);

    assert.equal(run.status, 0);
    const users: { username: string }[] = JSON.parse(run.stdout);
    assert.deepEqual(
      users.find((user) => user.username === username),
      { username, email: null, fullName: null, disabled: true, scopes: ["me"] },
    );
  });

  it("lists users as a table with a header row", async () => {
    const username = freshName();
    await addUser(username, "--scopes", "items");

    const run = await cli.run(["users", "list"]);

    assert.equal(run.status, 0);
    const lines = run.stdout.trimEnd().split("\n");
    assert.match(lines[0] ?? "", /^USERNAME\s+STATUS\s+SCOPES\s+EMAIL\s+FULL NAME$/);
    assert.ok(lines.some((line) => new RegExp(`^${username}\\s+active\\s+items$`).test(line)));
  });

  it("refuses a duplicate username with exit 1 before asking for a password", async () => {
    const username = freshName();
    await addUser(username);

    const run = await cli.run(["users", "add", username], { passwords: [password] });

    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      "gatehouse: user already exists (usernames differing only by case are one user)\n",
    );
    assert.equal(run.prompts.length, 0);
  });

  it("refuses a username differing from an existing one only by case, before asking for a password", async () => {
    await addUser("CaseVariant");

    const run = await cli.run(["users", "add", "casevariant"], { passwords: [password] });

    assert.equal(run.status, 1);
    assert.match(run.stderr, /user already exists/);
    assert.equal(run.prompts.length, 0);
  });

  it("refuses an invalid username with exit 1", async () => {
    const run = await cli.run(["users", "add", "bad name"], { passwords: [password] });

    assert.equal(run.status, 1);
    assert.match(run.stderr, /username/);
  });

  it("refuses an unknown scope with exit 1, naming it", async () => {
    const run = await cli.run(["users", "add", freshName(), "--scopes", "me admin"], {
      passwords: [password],
    });

    assert.equal(run.status, 1);
    assert.match(run.stderr, /unknown scope admin/);
  });

  it("refuses an empty password with exit 1 and creates no user", async () => {
    const username = freshName();

    const run = await cli.run(["users", "add", username], { passwords: [""] });

    assert.equal(run.status, 1);
    assert.equal((await cli.run(["users", "show", username])).status, 1);
  });

  for (const [label, weak, why] of [
    ["a one-character password", "x", /at least 15 characters/],
    ["a commonly used password", "passwordpassword", /commonly used/],
  ] as const) {
    it(`refuses ${label} with exit 1 and a message naming the rule, in add and set-password`, async () => {
      const username = freshName();
      await addUser(username);

      const added = await cli.run(["users", "add", freshName()], { passwords: [weak] });
      const set = await cli.run(["users", "set-password", username], { passwords: [weak] });

      for (const run of [added, set]) {
        assert.equal(run.status, 1);
        assert.match(run.stderr, why);
        assert.ok(!run.stderr.includes(weak));
      }
    });
  }

  it("takes the minimum length from GATEHOUSE_PASSWORD_MIN_LENGTH", async () => {
    const run = await cli.run(["users", "add", freshName()], {
      passwords: ["plenty long passphrase"],
      env: { GATEHOUSE_PASSWORD_MIN_LENGTH: "30" },
    });

    assert.equal(run.status, 1);
    assert.match(run.stderr, /at least 30 characters/);
  });

  it("rejects a --password flag as unknown, so a password never comes from argv", async () => {
    const run = await cli.run(["users", "add", freshName(), "--password", password]);

    assert.equal(run.status, 2);
    assert.match(run.stderr, /--password/);
    assert.match(run.stderr, /Usage: gatehouse/);
  });

  it("answers a missing username with a usage error", async () => {
    const run = await cli.run(["users", "show"]);

    assert.equal(run.status, 2);
  });

  it("answers an extra argument with a usage error", async () => {
    const run = await cli.run(["users", "list", "extra"]);

    assert.equal(run.status, 2);
    assert.match(run.stderr, /unexpected argument: extra/);
  });

  it("answers an unknown or missing subcommand with a usage error", async () => {
    const unknown = await cli.run(["users", "rename"]);
    const missing = await cli.run(["users"]);

    assert.equal(unknown.status, 2);
    assert.equal(missing.status, 2);
  });

  it("exits 1 for an unknown user in show, disable, set-scopes, set-password and delete", async () => {
    const commands = [
      ["show", "ghost"],
      ["disable", "ghost"],
      ["enable", "ghost"],
      ["set-scopes", "ghost", "me"],
      ["set-password", "ghost"],
      ["delete", "ghost"],
    ];

    for (const command of commands) {
      const run = await cli.run(["users", ...command], { passwords: [password] });
      assert.equal(run.status, 1, command.join(" "));
      assert.equal(run.stderr, "gatehouse: user not found\n");
      assert.equal(run.prompts.length, 0);
    }
  });

  it("disables and enables a user", async () => {
    const username = freshName();
    await addUser(username);

    const disabled = await cli.run(["users", "disable", username]);
    const whileDisabled = JSON.parse((await cli.run(["users", "show", username])).stdout);
    const enabled = await cli.run(["users", "enable", username]);
    const afterwards = JSON.parse((await cli.run(["users", "show", username])).stdout);

    assert.equal(disabled.status, 0);
    assert.equal(enabled.status, 0);
    assert.equal(whileDisabled.disabled, true);
    assert.equal(afterwards.disabled, false);
  });

  it("replaces a user's scopes, and clears them when none are given", async () => {
    const username = freshName();
    await addUser(username, "--scopes", "me");

    const replaced = await cli.run(["users", "set-scopes", username, "items", "me items"]);
    const scopesAfterReplace = JSON.parse((await cli.run(["users", "show", username])).stdout);
    const cleared = await cli.run(["users", "set-scopes", username]);
    const scopesAfterClear = JSON.parse((await cli.run(["users", "show", username])).stdout);

    assert.equal(replaced.status, 0);
    assert.deepEqual(scopesAfterReplace.scopes, ["items", "me"]);
    assert.equal(cleared.status, 0);
    assert.deepEqual(scopesAfterClear.scopes, []);
  });

  it("refuses to set a scope outside the catalogue", async () => {
    const username = freshName();
    await addUser(username, "--scopes", "me");

    const run = await cli.run(["users", "set-scopes", username, "admin"]);

    assert.equal(run.status, 1);
    assert.match(run.stderr, /unknown scope admin/);
  });

  it("sets a new password that then verifies, and the old one no longer does", async () => {
    const username = freshName();
    await addUser(username);

    const run = await cli.run(["users", "set-password", username], {
      passwords: ["a brand new secret"],
    });

    assert.equal(run.status, 0);
    const services = await cli.openServices();
    try {
      const record = await services.store.users.findByUsername(username);
      assert.ok(record);
      assert.equal(
        (await services.hasher.verify(record.passwordHash, "a brand new secret")).matches,
        true,
      );
      assert.equal((await services.hasher.verify(record.passwordHash, password)).matches, false);
    } finally {
      await services.close();
    }
  });

  // Issues an access token and starts a refresh family for `username` now, as a login would.
  const issueTokens = async (username: string): Promise<{ access: string; refresh: string }> => {
    const services = await cli.openServices();
    try {
      const refresh = await startRefreshFamily(
        {
          refreshTokens: services.store.refreshTokens,
          clock: services.clock,
          refreshPolicy: services.refreshPolicy,
        },
        { username, scopes: [], clientId: null },
      );
      return { access: services.tokens.issue(username, []).token, refresh };
    } finally {
      await services.close();
    }
  };

  // What the tokens are worth afterwards: whether authorize accepts the access token, and
  // whether the refresh token's family is revoked.
  const inspectTokens = async (tokens: {
    access: string;
    refresh: string;
  }): Promise<{ accessAccepted: boolean; familyRevoked: boolean | undefined }> => {
    const services = await cli.openServices();
    try {
      const { store } = services;
      const deps = { users: store.users, tokens: services.tokens, denylist: store.denylist };
      const accessAccepted = await (async () => authorize(deps, tokens.access, []))().then(
        () => true,
        () => false,
      );
      const record = await services.store.refreshTokens.findRefreshToken(
        hashRefreshToken(tokens.refresh),
      );
      return { accessAccepted, familyRevoked: record?.familyRevoked };
    } finally {
      await services.close();
    }
  };

  // The command runs a second later than the tokens were issued.
  const aSecondLater = {
    composeOptions: () => ({
      hasher: createFastHasher(),
      clock: createFixedClock(Date.now() + 1000),
    }),
  };

  it("takes back every token of the user when setting a new password", async () => {
    const username = freshName();
    await addUser(username);
    const tokens = await issueTokens(username);
    assert.equal((await inspectTokens(tokens)).accessAccepted, true);

    const run = await cli.run(["users", "set-password", username], {
      passwords: ["a brand new secret"],
      options: aSecondLater,
    });

    assert.equal(run.status, 0);
    assert.deepEqual(await inspectTokens(tokens), { accessAccepted: false, familyRevoked: true });
  });

  it("takes back every token of the user when disabling them", async () => {
    const username = freshName();
    await addUser(username);
    const tokens = await issueTokens(username);

    const run = await cli.run(["users", "disable", username], { options: aSecondLater });
    await cli.run(["users", "enable", username]);

    assert.equal(run.status, 0);
    assert.deepEqual(await inspectTokens(tokens), { accessAccepted: false, familyRevoked: true });
  });

  it("deletes a user", async () => {
    const username = freshName();
    await addUser(username);

    const deleted = await cli.run(["users", "delete", username]);
    const shown = await cli.run(["users", "show", username]);

    assert.equal(deleted.status, 0);
    assert.equal(shown.status, 1);
  });
});
