// The behaviour every ClientStore adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { NewClient } from "gatehouse-auth-core/clients/client";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { Store } from "gatehouse-auth-core/ports";

const start = Date.UTC(2025, 0, 1);
const hashA = "a".repeat(64);
const hashB = "b".repeat(64);

function newClient(clientId: string, extra: Partial<NewClient> = {}): NewClient {
  return {
    clientId,
    name: `client ${clientId}`,
    type: "confidential",
    secretHash: hashA,
    grantTypes: ["client_credentials"],
    scopes: ["items"],
    redirectUris: [],
    audiences: [],
    firstParty: false,
    ...extra,
  };
}

/**
 * Registers the ClientStore contract as a `describe` block named `name`. `makeStore` must return
 * a new, empty store that takes its time from `clock`; each test gets its own and closes it.
 */
export function describeClientStoreContract(
  name: string,
  makeStore: (clock: Clock) => Promise<Pick<Store, "clients" | "close">>,
): void {
  describe(name, () => {
    let clock = createFixedClock(start);
    let store: Pick<Store, "clients" | "close">;

    beforeEach(async () => {
      clock = createFixedClock(start);
      store = await makeStore(clock);
    });
    afterEach(() => store.close());

    it("holds no clients when new", async () => {
      assert.deepEqual(await store.clients.listClients(), []);
      assert.equal(await store.clients.findClient("nobody"), undefined);
    });

    it("finds a created client with every field as given and the store's timestamps", async () => {
      const client = newClient("c1", {
        name: "Reporting job ✓",
        grantTypes: ["authorization_code", "refresh_token", "password"],
        scopes: ["me", "items"],
        redirectUris: ["https://app.example.com/cb", "http://127.0.0.1/cb"],
        audiences: ["https://api.example.com", "urn:example:billing"],
        firstParty: true,
        disabled: true,
      });

      const created = await store.clients.createClient(client);

      const expected = {
        ...client,
        jwks: null,
        previousSecretHash: null,
        previousSecretExpiresAt: null,
        createdAt: start,
        updatedAt: start,
      };
      assert.deepEqual(created, expected);
      assert.deepEqual(await store.clients.findClient("c1"), expected);
    });

    it("keeps a public client without a secret and enabled unless told", async () => {
      const { disabled: _, ...rest } = newClient("pub", { type: "public", secretHash: null });

      const created = await store.clients.createClient(rest);

      assert.equal(created.type, "public");
      assert.equal(created.secretHash, null);
      assert.equal(created.disabled, false);
    });

    it("refuses a second client with the same id with client_id_taken", async () => {
      await store.clients.createClient(newClient("dup"));

      await assert.rejects(store.clients.createClient(newClient("dup", { name: "other" })), {
        name: "AuthError",
        code: "client_id_taken",
      });
      assert.equal((await store.clients.findClient("dup"))?.name, "client dup");
    });

    it("lists clients ordered by client_id in byte order", async () => {
      for (const id of ["b", "a", "B", "a-1", "_z"])
        await store.clients.createClient(newClient(id));

      const ids = (await store.clients.listClients()).map((client) => client.clientId);

      assert.deepEqual(ids, ["B", "_z", "a", "a-1", "b"]);
    });

    it("changes only the fields a patch sets and stamps updatedAt", async () => {
      await store.clients.createClient(newClient("c1"));
      clock.advance(5000);

      const updated = await store.clients.updateClient("c1", {
        name: "renamed",
        scopes: [],
        redirectUris: ["https://x.example/cb"],
        disabled: true,
      });

      assert.deepEqual(updated, {
        ...newClient("c1"),
        name: "renamed",
        scopes: [],
        redirectUris: ["https://x.example/cb"],
        disabled: true,
        jwks: null,
        previousSecretHash: null,
        previousSecretExpiresAt: null,
        createdAt: start,
        updatedAt: start + 5000,
      });
      assert.deepEqual(await store.clients.findClient("c1"), updated);
    });

    it("changes grants, audiences and the first-party flag", async () => {
      await store.clients.createClient(newClient("c1"));

      const updated = await store.clients.updateClient("c1", {
        grantTypes: ["password", "refresh_token"],
        audiences: ["https://api.example.com"],
        firstParty: true,
      });

      assert.deepEqual(updated?.grantTypes, ["password", "refresh_token"]);
      assert.deepEqual(updated?.audiences, ["https://api.example.com"]);
      assert.equal(updated?.firstParty, true);
    });

    it("keeps the previous secret hash and its expiry a rotation sets, and clears them", async () => {
      await store.clients.createClient(newClient("c1"));

      const rotated = await store.clients.updateClient("c1", {
        secretHash: hashB,
        previousSecretHash: hashA,
        previousSecretExpiresAt: start + 86_400_000,
      });
      const cleared = await store.clients.updateClient("c1", {
        previousSecretHash: null,
        previousSecretExpiresAt: null,
      });

      assert.equal(rotated?.secretHash, hashB);
      assert.equal(rotated?.previousSecretHash, hashA);
      assert.equal(rotated?.previousSecretExpiresAt, start + 86_400_000);
      assert.equal(cleared?.secretHash, hashB);
      assert.equal(cleared?.previousSecretHash, null);
      assert.equal(cleared?.previousSecretExpiresAt, null);
    });

    it("answers undefined to an update of an unknown client", async () => {
      assert.equal(await store.clients.updateClient("nobody", { name: "x" }), undefined);
    });

    it("deletes a client and reports whether there was one", async () => {
      await store.clients.createClient(newClient("c1"));
      await store.clients.createClient(newClient("c2"));

      assert.equal(await store.clients.deleteClient("c1"), true);
      assert.equal(await store.clients.deleteClient("c1"), false);

      assert.equal(await store.clients.findClient("c1"), undefined);
      assert.deepEqual(
        (await store.clients.listClients()).map((client) => client.clientId),
        ["c2"],
      );
    });

    it("hands out copies: changing a returned record changes nothing stored", async () => {
      const created = await store.clients.createClient(newClient("c1"));
      (created.scopes as string[]).push("me");

      const found = await store.clients.findClient("c1");
      (found?.redirectUris as string[] | undefined)?.push("https://evil.example/cb");

      assert.deepEqual((await store.clients.findClient("c1"))?.scopes, ["items"]);
      assert.deepEqual((await store.clients.findClient("c1"))?.redirectUris, []);
    });

    it("keeps a client's public keys, changes them and clears them", async () => {
      const jwks = {
        keys: [
          { kty: "OKP" as const, kid: "k1", alg: "EdDSA" as const, crv: "Ed25519", x: "AAAA" },
          { kty: "EC" as const, kid: "k2", alg: "ES256" as const, crv: "P-256", x: "BB", y: "CC" },
        ],
      };
      await store.clients.createClient(newClient("c1", { secretHash: null, jwks }));

      assert.deepEqual((await store.clients.findClient("c1"))?.jwks, jwks);
      const [first] = jwks.keys;
      await store.clients.updateClient("c1", {
        jwks: { keys: first === undefined ? [] : [first] },
      });
      assert.deepEqual((await store.clients.findClient("c1"))?.jwks, { keys: [first] });
      await store.clients.updateClient("c1", { jwks: null });
      assert.equal((await store.clients.findClient("c1"))?.jwks, null);
    });

    it("accepts a client assertion id once until it expires", async () => {
      const use = (clientId: string, jti: string, now: number) =>
        store.clients.useClientAssertionId(clientId, jti, start + 300_000, now);

      assert.equal(await use("c1", "j1", start), true);
      assert.equal(await use("c1", "j1", start + 299_999), false);
      assert.equal(await use("c2", "j1", start), true);
      assert.equal(await use("c1", "j2", start), true);
      assert.equal(await use("c1", "j1", start + 300_000), true);
    });

    it("lets exactly one of concurrent uses of one assertion id through, in 60 trials", async () => {
      for (let trial = 0; trial < 60; trial++) {
        const outcomes = await Promise.all(
          Array.from({ length: 8 }, () =>
            store.clients.useClientAssertionId("c1", `race-${trial}`, start + 300_000, start),
          ),
        );

        assert.equal(outcomes.filter(Boolean).length, 1, `trial ${trial}`);
      }
    });
  });
}
