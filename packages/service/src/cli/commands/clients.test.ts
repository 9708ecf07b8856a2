import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { verifyClientSecret } from "gatehouse-auth-core/clients/client-secrets";
import { type CliHarness, createCliHarness } from "../../../../../test/fixtures/cli-harness.ts";

interface Created {
  readonly client_id: string;
  readonly client_secret?: string;
}

describe("gatehouse clients", () => {
  let cli: CliHarness;
  const add = async (...args: string[]): Promise<Created> => {
    const run = await cli.run(["clients", "add", ...args, "--json"]);
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout) as Created;
  };
  const stored = async (clientId: string) => {
    const services = await cli.openServices();
    try {
      return await services.store.clients.findClient(clientId);
    } finally {
      await services.close();
    }
  };
  const auditTypes = async (clientId: string): Promise<string[]> => {
    const services = await cli.openServices();
    try {
      const page = await services.store.audit.list({ user: clientId, limit: 50 });
      return page.events.map((event) => `${event.type} by ${event.actor}`);
    } finally {
      await services.close();
    }
  };

  before(async () => {
    cli = await createCliHarness();
  });
  after(async () => {
    await cli.remove();
  });

  it("adds a confidential client and prints its id and secret once as JSON", async () => {
    const created = await add(
      "reports",
      "--grants",
      "client_credentials",
      "--scopes",
      "items me",
      "--audience",
      "https://api.example.com",
    );

    const record = await stored(created.client_id);
    assert.deepEqual(Object.keys(created), ["client_id", "client_secret"]);
    assert.match(created.client_id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(verifyClientSecret(record, created.client_secret ?? "", Date.now()), true);
    assert.deepEqual(record?.scopes, ["items", "me"]);
    assert.deepEqual(record?.audiences, ["https://api.example.com"]);
    assert.deepEqual(await auditTypes(created.client_id), ["client.created by cli"]);
  });

  it("adds a public client with repeated redirect URIs and prints no secret", async () => {
    const created = await add(
      "spa",
      "--public",
      "--grants",
      "authorization_code refresh_token",
      "--redirect-uri",
      "https://spa.example.com/cb",
      "--redirect-uri",
      "http://127.0.0.1:8080/cb",
      "--first-party",
    );

    const record = await stored(created.client_id);
    assert.deepEqual(Object.keys(created), ["client_id"]);
    assert.equal(record?.type, "public");
    assert.equal(record?.firstParty, true);
    assert.deepEqual(record?.redirectUris, [
      "https://spa.example.com/cb",
      "http://127.0.0.1:8080/cb",
    ]);
  });

  it("prints the secret with a reminder without --json", async () => {
    const run = await cli.run(["clients", "add", "people"]);

    assert.equal(run.status, 0);
    assert.match(run.stdout, /^created client people\nclient_id: +\S+\nclient_secret: +\S{43}\n/);
    assert.match(run.stdout, /not shown again/);
  });

  it("shows and lists a client without its secret or hash", async () => {
    const created = await add("shown", "--scopes", "items");
    const record = await stored(created.client_id);

    const shown = await cli.run(["clients", "show", created.client_id]);
    const listed = await cli.run(["clients", "list", "--json"]);
    const table = await cli.run(["clients", "list"]);

    assert.equal(shown.status, 0);
    const { created_at, updated_at, ...client } = JSON.parse(shown.stdout);
    assert.deepEqual(client, {
      client_id: created.client_id,
      name: "shown",
      type: "confidential",
      grant_types: ["client_credentials"],
      scopes: ["items"],
      redirect_uris: [],
      audiences: [],
      first_party: false,
      disabled: false,
      jwks: null,
    });
    assert.match(created_at, /^\d{4}-\d{2}-\d{2}T/);
    assert.match(updated_at, /^\d{4}-\d{2}-\d{2}T/);
    assert.ok(JSON.parse(listed.stdout).some((c: Created) => c.client_id === created.client_id));
    assert.match(table.stdout, /^CLIENT_ID +NAME +TYPE +STATUS +GRANTS +SCOPES\n/);
    for (const text of [shown.stdout, listed.stdout, table.stdout]) {
      assert.equal(text.includes(created.client_secret ?? "?"), false);
      assert.equal(text.includes(record?.secretHash ?? "?"), false);
    }
  });

  it("disables and enables a client, auditing both", async () => {
    const created = await add("toggled");

    const disabled = await cli.run(["clients", "disable", created.client_id]);
    const afterDisable = await stored(created.client_id);
    const enabled = await cli.run(["clients", "enable", created.client_id]);

    assert.equal(disabled.status, 0);
    assert.equal(afterDisable?.disabled, true);
    assert.equal(enabled.status, 0);
    assert.equal((await stored(created.client_id))?.disabled, false);
    assert.deepEqual(await auditTypes(created.client_id), [
      "client.enabled by cli",
      "client.disabled by cli",
      "client.created by cli",
    ]);
  });

  it("rotates the secret, printing the new one once; the old one stays valid for the overlap", async () => {
    const created = await add("rotated");

    const run = await cli.run(["clients", "rotate-secret", created.client_id, "--json"]);

    assert.equal(run.status, 0, run.stderr);
    const rotated = JSON.parse(run.stdout) as Created;
    const record = await stored(created.client_id);
    assert.equal(rotated.client_id, created.client_id);
    assert.notEqual(rotated.client_secret, created.client_secret);
    assert.equal(verifyClientSecret(record, rotated.client_secret ?? "", Date.now()), true);
    assert.equal(verifyClientSecret(record, created.client_secret ?? "", Date.now()), true);
  });

  it("says how long the previous secret stays valid without --json", async () => {
    const created = await add("rotated-text");

    const run = await cli.run(["clients", "rotate-secret", created.client_id], {
      env: { GATEHOUSE_CLIENT_SECRET_OVERLAP_SECONDS: "60" },
    });

    assert.equal(run.status, 0);
    assert.match(run.stdout, /client_secret: +\S{43}\n/);
    assert.match(run.stdout, /stays valid for 60 seconds/);
  });

  it("deletes a client", async () => {
    const created = await add("deleted");

    const run = await cli.run(["clients", "delete", created.client_id]);

    assert.equal(run.status, 0);
    assert.equal(await stored(created.client_id), undefined);
    assert.deepEqual((await auditTypes(created.client_id))[0], "client.deleted by cli");
  });

  it("exits 1 for an unknown client, an unknown scope and a public client with client_credentials", async () => {
    const runs = [
      await cli.run(["clients", "show", "nobody"]),
      await cli.run(["clients", "delete", "nobody"]),
      await cli.run(["clients", "rotate-secret", "nobody"]),
      await cli.run(["clients", "show", "no:colon"]),
      await cli.run(["clients", "add", "x", "--scopes", "root"]),
      await cli.run(["clients", "add", "x", "--public", "--grants", "client_credentials"]),
      await cli.run(["clients", "add", "x", "--redirect-uri", "http://example.com/cb"]),
    ];

    for (const run of runs) assert.equal(run.status, 1, run.stdout);
    assert.match(runs[0]?.stderr ?? "", /client not found/);
  });

  it("refuses to rotate the secret of a public client with exit status 1", async () => {
    const created = await add("device", "--public", "--grants", "refresh_token");

    const run = await cli.run(["clients", "rotate-secret", created.client_id]);

    assert.equal(run.status, 1);
  });

  it("adds a client with public keys from --jwks: no secret, keys kept, no secret to rotate", async () => {
    const { publicKey } = generateKeyPairSync("ed25519");
    const file = join(dirname(cli.databasePath), "keys.json");
    await writeFile(
      file,
      JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "k1" }] }),
    );

    const created = await add("signer", "--jwks", file);

    assert.equal(created.client_secret, undefined);
    const record = await stored(created.client_id);
    assert.equal(record?.type, "confidential");
    assert.equal(record?.secretHash, null);
    assert.deepEqual(
      record?.jwks?.keys.map((key) => [key.kid, key.alg]),
      [["k1", "EdDSA"]],
    );
    assert.equal((await cli.run(["clients", "rotate-secret", created.client_id])).status, 1);
  });

  it("refuses a --jwks file holding a private key or no JSON with exit status 1, printing no key", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const jwk = { ...privateKey.export({ format: "jwk" }), kid: "k1" };
    const privateFile = join(dirname(cli.databasePath), "private.json");
    const textFile = join(dirname(cli.databasePath), "keys.txt");
    await writeFile(privateFile, JSON.stringify({ keys: [jwk] }));
    await writeFile(textFile, "not json");

    const leaked = await cli.run(["clients", "add", "x", "--jwks", privateFile]);
    const garbled = await cli.run(["clients", "add", "x", "--jwks", textFile]);
    const missing = await cli.run(["clients", "add", "x", "--jwks", `${textFile}.absent`]);

    assert.equal(leaked.status, 1);
    assert.equal(`${leaked.stdout}${leaked.stderr}`.includes(String(jwk.d)), false);
    assert.equal(garbled.status, 1);
    assert.equal(missing.status, 2);
  });

  it("exits 2 for a missing name, an unknown subcommand or flag", async () => {
    for (const argv of [
      ["clients"],
      ["clients", "add"],
      ["clients", "frobnicate"],
      ["clients", "add", "x", "--secret", "mine"],
      ["clients", "show"],
    ]) {
      assert.equal((await cli.run(argv)).status, 2, argv.join(" "));
    }
  });
});
