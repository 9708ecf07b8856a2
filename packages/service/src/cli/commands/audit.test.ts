import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CliHarness, createCliHarness } from "../../../../../test/fixtures/cli-harness.ts";

const password = "correct horse battery staple";

describe("gatehouse audit", () => {
  let cli: CliHarness;

  before(async () => {
    cli = await createCliHarness();
    await cli.run(["users", "add", "johndoe", "--scopes", "me"], { passwords: [password] });
    await cli.run(["users", "disable", "johndoe"]);
    await cli.run(["users", "enable", "johndoe"]);
    await cli.run(["users", "set-scopes", "johndoe", "me", "items"]);
    await cli.run(["users", "set-password", "johndoe"], { passwords: [password] });
    await cli.run(["users", "add", "bob"], { passwords: [password] });
    await cli.run(["users", "delete", "bob"]);
  });
  after(async () => {
    await cli.remove();
  });

  it("lists what the user commands did, newest first, as JSON with actor cli", async () => {
    const run = await cli.run(["audit", "--json"]);

    assert.equal(run.status, 0, run.stderr);
    const events = JSON.parse(run.stdout) as { type: string; actor: string; subject: string }[];
    assert.deepEqual(
      events.map((e) => [e.type, e.actor, e.subject]),
      [
        ["user.deleted", "cli", "bob"],
        ["user.created", "cli", "bob"],
        ["user.password_set", "cli", "johndoe"],
        ["user.updated", "cli", "johndoe"],
        ["user.enabled", "cli", "johndoe"],
        ["user.disabled", "cli", "johndoe"],
        ["user.created", "cli", "johndoe"],
      ],
    );
    assert.doesNotMatch(run.stdout, /argon2|correct horse/);
  });

  it("filters by user, type, time and limit, and prints a table by default", async () => {
    const run = await cli.run([
      "audit",
      "--user",
      "johndoe",
      "--type",
      "user.created",
      "--since",
      "1h",
      "--until",
      "2999-01-01",
      "--limit",
      "5",
    ]);

    const lines = run.stdout.trim().split("\n");
    assert.equal(run.status, 0, run.stderr);
    assert.match(lines[0] ?? "", /^TIME\s+TYPE\s+ACTOR\s+SUBJECT\s+ADDRESS\s+REASON\s+REQUEST$/);
    assert.equal(lines.length, 2);
    assert.match(lines[1] ?? "", /user\.created\s+cli\s+johndoe\s+-\s+-\s+-$/);
  });

  it("finds nothing older than an ISO date in the past", async () => {
    const run = await cli.run(["audit", "--until", "2000-01-01T00:00:00Z", "--json"]);

    assert.deepEqual(JSON.parse(run.stdout), []);
  });

  for (const [label, args] of [
    ["an unknown event type", ["--type", "user.exploded"]],
    ["a time that is neither a duration nor a date", ["--since", "yesterday"]],
    ["a limit out of range", ["--limit", "0"]],
    ["a limit that is not a number", ["--limit", "many"]],
  ] as const) {
    it(`exits 2 for ${label}`, async () => {
      const run = await cli.run(["audit", ...args]);

      assert.equal(run.status, 2);
    });
  }

  it("creates the first admin with the admin scopes, as the README says", async () => {
    const added = await cli.run(
      ["users", "add", "admin", "--scopes", "users:read users:write audit:read"],
      { passwords: [password] },
    );

    const shown = await cli.run(["users", "show", "admin"]);

    assert.equal(added.status, 0, added.stderr);
    assert.deepEqual(JSON.parse(shown.stdout).scopes, ["users:read", "users:write", "audit:read"]);
  });
});
