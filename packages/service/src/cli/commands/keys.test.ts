import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type CliHarness, createCliHarness } from "../../../../../test/fixtures/cli-harness.ts";

interface ListedKey {
  kid: string;
  algorithm: string;
  status: string;
  createdAt: string;
  activatedAt: string;
  retiresAt: string | null;
}

describe("gatehouse keys", () => {
  let cli: CliHarness;
  beforeEach(async () => {
    cli = await createCliHarness();
  });
  afterEach(() => cli.remove());

  const listed = async (): Promise<ListedKey[]> => {
    const run = await cli.run(["keys", "list", "--json"]);
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout) as ListedKey[];
  };

  it("lists the EdDSA key a new install generates, active, with its times", async () => {
    const keys = await listed();

    assert.equal(keys.length, 1);
    assert.equal(keys[0]?.algorithm, "EdDSA");
    assert.equal(keys[0]?.status, "active");
    assert.equal(keys[0]?.retiresAt, null);
    assert.match(keys[0]?.createdAt ?? "", /^\d{4}-\d{2}-\d{2}T/);
  });

  it("rotates: the new key is active and the old one verifies until its tokens expired", async () => {
    const [before] = await listed();

    const run = await cli.run(["keys", "rotate"], {
      env: { GATEHOUSE_ACCESS_TOKEN_LIFETIME: "600" },
    });

    assert.equal(run.status, 0, run.stderr);
    const keys = await listed();
    assert.deepEqual(
      keys.map((key) => [key.status, key.algorithm]),
      [
        ["active", "EdDSA"],
        ["verifying", "EdDSA"],
      ],
    );
    assert.equal(keys[1]?.kid, before?.kid);
    assert.match(run.stdout, new RegExp(`new signing key ${keys[0]?.kid} \\(EdDSA\\) is active`));
    const retires = Date.parse(keys[1]?.retiresAt ?? "");
    const activated = Date.parse(keys[0]?.activatedAt ?? "");
    assert.equal(retires - activated, (600 + 30 + 60) * 1000);
  });

  it("rotates to the algorithm named by --algorithm, else GATEHOUSE_SIGNING_ALGORITHM", async () => {
    await cli.run(["keys", "rotate", "--algorithm", "ES256"]);
    await cli.run(["keys", "rotate"], { env: { GATEHOUSE_SIGNING_ALGORITHM: "HS256" } });

    const keys = await listed();

    assert.deepEqual(
      keys.map((key) => key.algorithm),
      ["HS256", "ES256", "EdDSA"],
    );
  });

  it("prints a table with kid, algorithm, status and times, and never key material", async () => {
    await cli.run(["keys", "rotate", "--algorithm", "ES256"]);
    await cli.run(["keys", "rotate", "--algorithm", "HS256"]);
    const services = await cli.openServices();
    const secrets = (await services.store.signingKeys.listSigningKeys()).map((key) => key.secret);
    await services.close();

    const table = await cli.run(["keys", "list"]);
    const json = await cli.run(["keys", "list", "--json"]);

    assert.match(table.stdout, /^KID\s+ALG\s+STATUS\s+CREATED\s+RETIRES\n/);
    for (const output of [table.stdout, json.stdout, table.stderr, json.stderr]) {
      assert.doesNotMatch(output, /PRIVATE KEY|"d"|secret|publicJwk/);
      for (const secret of secrets) assert.equal(output.includes(secret), false);
    }
  });

  it("refuses an unknown algorithm with a usage error", async () => {
    const run = await cli.run(["keys", "rotate", "--algorithm", "RS256"]);

    assert.equal(run.status, 2);
    assert.match(run.stderr, /--algorithm must be one of EdDSA, ES256, HS256/);
  });

  it("refuses to rotate when GATEHOUSE_JWT_SECRET is the key", async () => {
    const run = await cli.run(["keys", "rotate"], {
      env: { GATEHOUSE_JWT_SECRET: "k".repeat(32) },
    });

    assert.equal(run.status, 2);
    assert.match(run.stderr, /GATEHOUSE_JWT_SECRET is set/);
    assert.equal(run.stderr.includes("k".repeat(32)), false);
  });

  it("notes that a configured secret signs instead of the listed keys", async () => {
    const run = await cli.run(["keys", "list"], { env: { GATEHOUSE_JWT_SECRET: "k".repeat(32) } });

    assert.equal(run.status, 0);
    assert.match(run.stderr, /GATEHOUSE_JWT_SECRET is set/);
  });

  it("refuses a missing or unknown subcommand and extra arguments", async () => {
    const runs = await Promise.all([
      cli.run(["keys"]),
      cli.run(["keys", "burn"]),
      cli.run(["keys", "list", "extra"]),
    ]);

    assert.deepEqual(
      runs.map((run) => run.status),
      [2, 2, 2],
    );
  });
});
