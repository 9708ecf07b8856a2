import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import type { AuditEvent } from "../audit-log.ts";
import { createFixedClock } from "../clock.ts";
import type { Store } from "../ports.ts";
import { createScopeCatalogue, gatehouseScopeDescriptions } from "../scopes.ts";
import type { AuditContext } from "../users/user-admin.ts";
import type { ClientAdminDeps } from "./client-admin.ts";
import {
  changeClient,
  deleteClientRegistration,
  registerClient,
  rotateClientSecret,
} from "./client-admin.ts";
import { verifyClientSecret } from "./client-secrets.ts";

const start = Date.UTC(2026, 0, 1);
const context: AuditContext = { actor: "root", clientAddress: "192.0.2.1", requestId: "r1" };

describe("client administration", () => {
  let clock = createFixedClock(start);
  let store: Store;
  let deps: ClientAdminDeps;
  const events = async (): Promise<readonly AuditEvent[]> =>
    (await store.audit.list({ limit: 50 })).events;

  beforeEach(() => {
    clock = createFixedClock(start);
    store = createMemoryStore({ clock });
    deps = {
      clients: store.clients,
      audit: store.audit,
      scopes: createScopeCatalogue(gatehouseScopeDescriptions),
      clock,
      secretOverlapSeconds: 3600,
    };
  });
  afterEach(() => store.close());

  it("keeps a secret valid whose rotation another rotation overtook (issue 16)", async () => {
    const { client } = await registerClient(deps, context, { name: "reports" });
    let overtaking: string | null = null;
    const racing: ClientAdminDeps = {
      ...deps,
      clients: {
        ...store.clients,
        // Another rotation commits right after this one has read the client.
        findClient: async (clientId) => {
          const read = await store.clients.findClient(clientId);
          if (overtaking === null) {
            overtaking = (await rotateClientSecret(deps, context, clientId)).secret;
          }
          return read;
        },
      },
    };

    const { secret } = await rotateClientSecret(racing, context, client.clientId);

    const stored = await store.clients.findClient(client.clientId);
    assert.ok(secret !== null && overtaking !== null);
    assert.equal(verifyClientSecret(stored, secret, start), true);
    assert.equal(verifyClientSecret(stored, overtaking, start), true);
  });

  it("gives up a rotation whose secret keeps changing under it, instead of looping", async () => {
    const { client } = await registerClient(deps, context, { name: "reports" });
    let writes = 0;
    const neverSettling: ClientAdminDeps = {
      ...deps,
      clients: {
        ...store.clients,
        updateClient: async () => {
          writes++;
          return undefined;
        },
      },
    };

    await assert.rejects(
      rotateClientSecret(neverSettling, context, client.clientId),
      /kept changing/,
    );
    assert.equal(writes, 10);
  });

  it("registers a confidential client with a secret stored only as its hash, and audits it", async () => {
    const { client, secret } = await registerClient(deps, context, {
      name: "reports",
      scopes: ["items"],
    });

    const stored = await store.clients.findClient(client.clientId);
    assert.equal(client.type, "confidential");
    assert.deepEqual(client.grantTypes, ["client_credentials"]);
    assert.equal("secretHash" in client, false);
    assert.ok(secret !== null);
    assert.notEqual(stored?.secretHash, secret);
    assert.equal(verifyClientSecret(stored, secret, start), true);
    const [created] = await events();
    assert.equal(created?.type, "client.created");
    assert.equal(created?.actor, "root");
    assert.equal(created?.subject, client.clientId);
    assert.equal(created?.requestId, "r1");
    assert.equal(JSON.stringify(created).includes(secret), false);
  });

  it("registers a public client without a secret and with the authorization-code grants", async () => {
    const { client, secret } = await registerClient(deps, context, {
      name: "spa",
      type: "public",
      redirectUris: ["https://spa.example.com/cb"],
    });

    assert.equal(secret, null);
    assert.deepEqual(client.grantTypes, ["authorization_code", "refresh_token"]);
    assert.equal((await store.clients.findClient(client.clientId))?.secretHash, null);
  });

  it("refuses an unknown scope with invalid_scope and a bad registration with invalid_request", async () => {
    await assert.rejects(registerClient(deps, context, { name: "x", scopes: ["root"] }), {
      code: "invalid_scope",
    });
    await assert.rejects(
      registerClient(deps, context, {
        name: "x",
        type: "public",
        grantTypes: ["client_credentials"],
      }),
      { code: "invalid_request" },
    );
    assert.deepEqual(await store.clients.listClients(), []);
    assert.deepEqual(await events(), []);
  });

  it("changes fields, audits their names, and audits disabling and enabling", async () => {
    const { client } = await registerClient(deps, context, { name: "reports" });

    await changeClient(deps, context, client.clientId, { name: "nightly", scopes: ["me"] });
    await changeClient(deps, context, client.clientId, { disabled: true });
    const enabled = await changeClient(deps, context, client.clientId, { disabled: false });

    assert.equal(enabled.name, "nightly");
    assert.equal(enabled.disabled, false);
    const types = (await events()).map((event) => event.type);
    assert.deepEqual(types, [
      "client.enabled",
      "client.disabled",
      "client.updated",
      "client.created",
    ]);
    const updated = (await events()).find((event) => event.type === "client.updated");
    assert.deepEqual(updated?.details, { fields: "name,scopes", scopes: "me" });
  });

  it("checks the changed client as a whole: dropping the last redirect URI of a code client fails", async () => {
    const { client } = await registerClient(deps, context, {
      name: "web",
      grantTypes: ["authorization_code"],
      redirectUris: ["https://web.example.com/cb"],
    });

    await assert.rejects(changeClient(deps, context, client.clientId, { redirectUris: [] }), {
      code: "invalid_request",
    });
  });

  it("answers client_not_found for an unknown client", async () => {
    await assert.rejects(changeClient(deps, context, "nobody", { name: "x" }), {
      code: "client_not_found",
    });
    await assert.rejects(rotateClientSecret(deps, context, "nobody"), { code: "client_not_found" });
    await assert.rejects(deleteClientRegistration(deps, context, "nobody"), {
      code: "client_not_found",
    });
  });

  it("rotates the secret, keeping the old one valid until the overlap ends", async () => {
    const first = await registerClient(deps, context, { name: "reports" });
    clock.advance(1000);

    const second = await rotateClientSecret(deps, context, first.client.clientId);

    const stored = await store.clients.findClient(first.client.clientId);
    assert.ok(first.secret !== null && second.secret !== null);
    assert.notEqual(second.secret, first.secret);
    assert.equal(verifyClientSecret(stored, second.secret, clock.now()), true);
    assert.equal(verifyClientSecret(stored, first.secret, clock.now() + 3_599_999), true);
    assert.equal(verifyClientSecret(stored, first.secret, clock.now() + 3_600_000), false);
    const [rotated] = await events();
    assert.equal(rotated?.type, "client.secret_rotated");
    assert.deepEqual(rotated?.details, { overlap_seconds: 3600 });
  });

  it("ends the old secret at once when the overlap is zero", async () => {
    const first = await registerClient(deps, context, { name: "reports" });

    await rotateClientSecret({ ...deps, secretOverlapSeconds: 0 }, context, first.client.clientId);

    const stored = await store.clients.findClient(first.client.clientId);
    assert.equal(verifyClientSecret(stored, first.secret ?? "", clock.now()), false);
    assert.equal(stored?.previousSecretHash, null);
  });

  it("refuses to rotate the secret of a public client", async () => {
    const { client } = await registerClient(deps, context, {
      name: "cli app",
      type: "public",
      grantTypes: ["urn:ietf:params:oauth:grant-type:device_code"],
    });

    await assert.rejects(rotateClientSecret(deps, context, client.clientId), {
      code: "invalid_request",
    });
  });

  it("deletes a client and records client.deleted", async () => {
    const { client } = await registerClient(deps, context, { name: "reports" });

    await deleteClientRegistration(deps, context, client.clientId);

    assert.equal(await store.clients.findClient(client.clientId), undefined);
    assert.equal((await events())[0]?.type, "client.deleted");
  });

  describe("clients with public keys (private_key_jwt)", () => {
    const jwkOf = (kid: string) => ({
      ...generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "jwk" }),
      kid,
    });

    it("registers a confidential client with keys and no secret, audited with its method", async () => {
      const { client, secret } = await registerClient(deps, context, {
        name: "signer",
        jwks: { keys: [jwkOf("k1")] },
      });

      assert.equal(secret, null);
      assert.equal(client.type, "confidential");
      assert.deepEqual(
        client.jwks?.keys.map((key) => key.kid),
        ["k1"],
      );
      assert.equal((await store.clients.findClient(client.clientId))?.secretHash, null);
      const [created] = await events();
      assert.equal(created?.details["auth_method"], "private_key_jwt");
    });

    it("refuses keys for a public client, and keys that break a rule", async () => {
      await assert.rejects(
        registerClient(deps, context, {
          name: "spa",
          type: "public",
          redirectUris: ["https://spa.example/cb"],
          jwks: { keys: [jwkOf("k1")] },
        }),
        { code: "invalid_request" },
      );
      await assert.rejects(
        registerClient(deps, context, { name: "x", jwks: { keys: [{ kty: "oct", k: "AA" }] } }),
        { code: "invalid_request" },
      );
    });

    it("rotates a keyed client's keys, naming only the field in the audit trail", async () => {
      const { client } = await registerClient(deps, context, {
        name: "signer",
        jwks: { keys: [jwkOf("k1")] },
      });

      const changed = await changeClient(deps, context, client.clientId, {
        jwks: { keys: [jwkOf("k1"), jwkOf("k2")] },
      });

      assert.deepEqual(
        changed.jwks?.keys.map((key) => key.kid),
        ["k1", "k2"],
      );
      const [updated] = await events();
      assert.deepEqual(updated?.details, { fields: "jwks" });
    });

    it("refuses keys for a client that authenticates with a secret, and rotating a keyed client's secret", async () => {
      const withSecret = await registerClient(deps, context, { name: "reports" });
      const withKeys = await registerClient(deps, context, {
        name: "signer",
        jwks: { keys: [jwkOf("k1")] },
      });

      await assert.rejects(
        changeClient(deps, context, withSecret.client.clientId, { jwks: { keys: [jwkOf("k1")] } }),
        { code: "invalid_request" },
      );
      await assert.rejects(rotateClientSecret(deps, context, withKeys.client.clientId), {
        code: "invalid_request",
      });
    });
  });
});
