import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CliHarness, createCliHarness } from "../../../../../test/fixtures/cli-harness.ts";

describe("gatehouse consents", () => {
  let cli: CliHarness;

  before(async () => {
    cli = await createCliHarness();
    const services = await cli.openServices();
    try {
      await services.store.users.createUser({
        username: "alice",
        passwordHash: await services.hasher.hash("a password of length"),
      });
      await services.store.consents.saveConsent({
        username: "alice",
        clientId: "spa",
        scopes: ["me", "items"],
        grantedAt: Date.now(),
      });
    } finally {
      await services.close();
    }
  });
  after(async () => {
    await cli.remove();
  });

  it("lists a user's consents as JSON", async () => {
    const run = await cli.run(["consents", "list", "alice", "--json"]);

    assert.equal(run.status, 0, run.stderr);
    const listed = JSON.parse(run.stdout) as { client_id: string; scopes: string[] }[];
    assert.deepEqual(
      listed.map(({ client_id, scopes }) => ({ client_id, scopes })),
      [{ client_id: "spa", scopes: ["me", "items"] }],
    );
  });

  it("lists a user's consents as a table", async () => {
    const run = await cli.run(["consents", "list", "alice"]);

    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^CLIENT +SCOPES +GRANTED/);
    assert.match(run.stdout, /\nspa +me items +\d{4}-/);
  });

  it("revokes a consent, audited as the cli, and fails for one that is gone", async () => {
    const revoked = await cli.run(["consents", "revoke", "alice", "spa"]);
    const again = await cli.run(["consents", "revoke", "alice", "spa"]);

    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no consent/);
    const services = await cli.openServices();
    try {
      const events = await services.store.audit.list({ type: "consent.revoked", limit: 5 });
      assert.equal(events.events[0]?.actor, "cli");
    } finally {
      await services.close();
    }
  });

  it("refuses an unknown subcommand and an unknown user", async () => {
    assert.equal((await cli.run(["consents", "grant", "alice"])).status, 2);
    assert.equal((await cli.run(["consents", "list", "nobody"])).status, 1);
  });
});
