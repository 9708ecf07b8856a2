import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { verifyClientSecret } from "gatehouse-auth-core/clients/client-secrets";
import { adminTokens } from "../../../../../test/fixtures/admin-tokens.ts";
import { bearerRequest } from "../../../../../test/fixtures/bearer-request.ts";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";

interface ClientBody {
  readonly client_id: string;
  readonly client_secret?: string;
  readonly name: string;
  readonly type: string;
  readonly grant_types: string[];
  readonly scopes: string[];
  readonly redirect_uris: string[];
  readonly audiences: string[];
  readonly first_party: boolean;
  readonly disabled: boolean;
  readonly created_at: string;
  readonly updated_at: string;
}

describe("the client admin API", () => {
  let t: TestApp;
  let admin: string;
  let reader: string;
  let seed: string;

  const call = (
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<Response> => bearerRequest(t.app, method, path, token, body);

  const create = async (body: Record<string, unknown>): Promise<ClientBody> => {
    const response = await call("POST", "/admin/clients", admin, body);
    assert.equal(response.status, 201);
    return (await response.json()) as ClientBody;
  };

  const lastEvent = async () => (await t.store.audit.list({ limit: 1 })).events[0];

  before(async () => {
    t = await makeTestApp();
    ({ admin, reader, seed } = await adminTokens(
      t,
      ["clients:read", "clients:write"],
      "clients:read",
    ));
  });
  after(() => t.close());

  describe("guards", () => {
    let clientId = "";
    before(async () => {
      clientId = (await create({ name: "guarded" })).client_id;
    });

    const cases = (): readonly {
      method: string;
      path: string;
      scope: string;
      body?: unknown;
    }[] => [
      { method: "GET", path: "/admin/clients", scope: "clients:read" },
      { method: "GET", path: `/admin/clients/${clientId}`, scope: "clients:read" },
      { method: "POST", path: "/admin/clients", scope: "clients:write", body: { name: "x" } },
      {
        method: "PATCH",
        path: `/admin/clients/${clientId}`,
        scope: "clients:write",
        body: { name: "y" },
      },
      {
        method: "POST",
        path: `/admin/clients/${clientId}/rotate-secret`,
        scope: "clients:write",
      },
      { method: "DELETE", path: `/admin/clients/${clientId}`, scope: "clients:write" },
    ];

    it("answers 401 with a bare Bearer challenge to every route without a token", async () => {
      for (const route of cases()) {
        const response = await call(route.method, route.path, undefined, route.body);

        assert.equal(response.status, 401, `${route.method} ${route.path}`);
        assert.equal(response.headers.get("www-authenticate"), "Bearer");
      }
    });

    it("answers 403 insufficient_scope naming the scope to a token without it", async () => {
      for (const route of cases()) {
        const response = await call(route.method, route.path, seed, route.body);

        assert.equal(response.status, 403, `${route.method} ${route.path}`);
        assert.equal(
          response.headers.get("www-authenticate"),
          `Bearer error="insufficient_scope", scope="${route.scope}"`,
        );
      }
    });

    it("lets a clients:read token read but not write", async () => {
      assert.equal((await call("GET", "/admin/clients", reader)).status, 200);
      assert.equal((await call("GET", `/admin/clients/${clientId}`, reader)).status, 200);
      assert.equal((await call("POST", "/admin/clients", reader, { name: "z" })).status, 403);
    });
  });

  it("registers a confidential client, shows its secret once, and audits client.created by the admin", async () => {
    const response = await call("POST", "/admin/clients", admin, {
      name: "reports",
      scopes: ["items"],
      audiences: ["https://api.example.com"],
    });

    assert.equal(response.status, 201);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const body = (await response.json()) as ClientBody;
    const { created_at, updated_at, client_id, client_secret, ...rest } = body;
    assert.deepEqual(rest, {
      name: "reports",
      type: "confidential",
      grant_types: ["client_credentials"],
      scopes: ["items"],
      redirect_uris: [],
      audiences: ["https://api.example.com"],
      first_party: false,
      disabled: false,
      jwks: null,
    });
    assert.equal(created_at, new Date(t.clock.now()).toISOString());
    const record = await t.store.clients.findClient(client_id);
    assert.equal(verifyClientSecret(record, client_secret ?? "", t.clock.now()), true);
    const event = await lastEvent();
    assert.equal(event?.type, "client.created");
    assert.equal(event?.actor, "root");
    assert.equal(event?.subject, client_id);
  });

  it("gives a public client no secret", async () => {
    const body = await create({
      name: "spa",
      type: "public",
      redirect_uris: ["https://spa.example.com/cb"],
      first_party: true,
    });

    assert.equal("client_secret" in body, false);
    assert.deepEqual(body.grant_types, ["authorization_code", "refresh_token"]);
    assert.equal(body.first_party, true);
  });

  it("never returns a secret or its hash from GET", async () => {
    const created = await create({ name: "hidden" });
    const record = await t.store.clients.findClient(created.client_id);

    const one = await (await call("GET", `/admin/clients/${created.client_id}`, reader)).text();
    const all = await (await call("GET", "/admin/clients", reader)).text();

    for (const text of [one, all]) {
      assert.equal(text.includes(created.client_secret ?? "?"), false);
      assert.equal(text.includes(record?.secretHash ?? "?"), false);
      assert.doesNotMatch(text, /secret/);
    }
    const listed = JSON.parse(all) as { clients: ClientBody[] };
    assert.ok(listed.clients.some((client) => client.client_id === created.client_id));
  });

  it("answers 404 for an unknown client on every route that names one", async () => {
    for (const [method, path, body] of [
      ["GET", "/admin/clients/nobody", undefined],
      ["PATCH", "/admin/clients/nobody", { name: "x" }],
      ["POST", "/admin/clients/nobody/rotate-secret", undefined],
      ["DELETE", "/admin/clients/nobody", undefined],
    ] as const) {
      const response = await call(method, path, admin, body);

      assert.equal(response.status, 404, `${method} ${path}`);
      assert.deepEqual(await response.json(), { detail: "Client not found" });
    }
  });

  it("answers 422 naming the field for a bad body or client_id", async () => {
    const cases: readonly [string, string, unknown, string][] = [
      ["POST", "/admin/clients", {}, "name"],
      ["POST", "/admin/clients", { name: "" }, "name"],
      ["POST", "/admin/clients", { name: "x", grant_types: ["implicit"] }, "grant_types"],
      ["POST", "/admin/clients", { name: "x", scopes: ["root"] }, "scopes"],
      [
        "POST",
        "/admin/clients",
        { name: "x", redirect_uris: ["http://example.com/cb"] },
        "redirect_uris",
      ],
      ["POST", "/admin/clients", { name: "x", audiences: ["a b"] }, "audiences"],
      ["PATCH", "/admin/clients/a:b", { name: "x" }, "client_id"],
      ["PATCH", "/admin/clients/abc", { disabled: "yes" }, "disabled"],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await call(method, path, admin, body);

      assert.equal(response.status, 422, JSON.stringify(body));
      const detail = ((await response.json()) as { detail: { loc: string[] }[] }).detail;
      assert.ok(
        detail.some((issue) => issue.loc.includes(field)),
        `${field} in ${JSON.stringify(detail)}`,
      );
    }
  });

  it("answers 400 to a registration that breaks a grant rule", async () => {
    const publicWithSecretGrant = await call("POST", "/admin/clients", admin, {
      name: "x",
      type: "public",
      grant_types: ["client_credentials"],
    });
    const codeWithoutRedirect = await call("POST", "/admin/clients", admin, {
      name: "x",
      grant_types: ["authorization_code"],
    });

    assert.equal(publicWithSecretGrant.status, 400);
    assert.equal(codeWithoutRedirect.status, 400);
  });

  it("registers a client with public keys: no secret, its keys in the answer, key rotation by PATCH", async () => {
    const jwk = (kid: string) => ({
      ...generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }),
      kid,
    });

    const created = await create({ name: "signer", jwks: { keys: [jwk("k1")] } });
    const patched = await call("PATCH", `/admin/clients/${created.client_id}`, admin, {
      jwks: { keys: [jwk("k1"), jwk("k2")] },
    });

    assert.equal(created.client_secret, undefined);
    assert.deepEqual(
      (created as unknown as { jwks: { keys: { kid: string; alg: string }[] } }).jwks.keys.map(
        (key) => [key.kid, key.alg],
      ),
      [["k1", "EdDSA"]],
    );
    assert.equal(patched.status, 200);
  });

  it("answers 400 to keys that break a rule and never echoes a private key", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const secretJwk = { ...privateKey.export({ format: "jwk" }), kid: "k1" };

    const response = await call("POST", "/admin/clients", admin, {
      name: "x",
      jwks: { keys: [secretJwk] },
    });

    assert.equal(response.status, 400);
    assert.equal((await response.text()).includes(String(secretJwk.d)), false);
  });

  it("changes a client and audits client.updated, then client.disabled", async () => {
    const created = await create({ name: "changing" });
    t.clock.advance(1000);

    const renamed = await call("PATCH", `/admin/clients/${created.client_id}`, admin, {
      name: "changed",
      scopes: ["me"],
      grant_types: ["client_credentials", "refresh_token"],
    });
    const renamedEvent = await lastEvent();
    const disabled = await call("PATCH", `/admin/clients/${created.client_id}`, admin, {
      disabled: true,
    });

    assert.equal(renamed.status, 200);
    const body = (await renamed.json()) as ClientBody;
    assert.equal(body.name, "changed");
    assert.deepEqual(body.scopes, ["me"]);
    assert.notEqual(body.updated_at, body.created_at);
    assert.equal("client_secret" in body, false);
    assert.equal(renamedEvent?.type, "client.updated");
    assert.equal(renamedEvent?.details["fields"], "name,grant_types,scopes");
    assert.equal(disabled.status, 200);
    assert.equal(((await disabled.json()) as ClientBody).disabled, true);
    assert.equal((await lastEvent())?.type, "client.disabled");
  });

  it("rotates a secret: the new one is shown once and the old one works during the overlap", async () => {
    const created = await create({ name: "rotating" });

    const response = await call("POST", `/admin/clients/${created.client_id}/rotate-secret`, admin);

    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const body = (await response.json()) as ClientBody;
    const record = await t.store.clients.findClient(created.client_id);
    assert.notEqual(body.client_secret, created.client_secret);
    assert.equal(verifyClientSecret(record, body.client_secret ?? "", t.clock.now()), true);
    assert.equal(verifyClientSecret(record, created.client_secret ?? "", t.clock.now()), true);
    const overlapEnds = t.clock.now() + t.services.settings.clientSecretOverlapSeconds * 1000;
    assert.equal(verifyClientSecret(record, created.client_secret ?? "", overlapEnds), false);
    assert.equal((await lastEvent())?.type, "client.secret_rotated");
  });

  it("answers 400 to rotating the secret of a public client", async () => {
    const created = await create({
      name: "native",
      type: "public",
      redirect_uris: ["com.example.app:/cb"],
    });

    const response = await call("POST", `/admin/clients/${created.client_id}/rotate-secret`, admin);

    assert.equal(response.status, 400);
  });

  it("deletes a client and audits client.deleted", async () => {
    const created = await create({ name: "doomed" });

    const response = await call("DELETE", `/admin/clients/${created.client_id}`, admin);

    assert.equal(response.status, 204);
    assert.equal(await t.store.clients.findClient(created.client_id), undefined);
    const event = await lastEvent();
    assert.equal(event?.type, "client.deleted");
    assert.equal(event?.actor, "root");
  });
});
