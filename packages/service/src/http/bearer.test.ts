import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TestApp } from "../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../test/fixtures/test-app.ts";
import type { TestClients } from "../../../../test/fixtures/test-clients.ts";
import { createTestClients } from "../../../../test/fixtures/test-clients.ts";
import { defineGuard } from "./bearer.ts";

const basic = (id: string, secret: string): string => `Basic ${btoa(`${id}:${secret}`)}`;

interface OperationDoc {
  description?: string;
  security?: Record<string, string[]>[];
  "x-principals"?: string[];
}

describe("guards that say which principals they accept", () => {
  let t: TestApp;
  let clients: TestClients;

  const clientToken = async (clientId: string, secret: string, scope: string): Promise<string> => {
    const response = await t.app.request("/token", {
      method: "POST",
      headers: { authorization: basic(clientId, secret) },
      body: new URLSearchParams({ grant_type: "client_credentials", scope }),
    });
    const body = (await response.json()) as { access_token?: string };
    if (body.access_token === undefined) throw new Error(`no client token: ${response.status}`);
    return body.access_token;
  };
  const get = (path: string, token: string): Promise<Response> =>
    Promise.resolve(t.app.request(path, { headers: { authorization: `Bearer ${token}` } }));

  before(async () => {
    clients = createTestClients(
      { clientId: "siem", secret: "siem-secret", scopes: ["audit:read", "me"] },
      { clientId: "exporter", secret: "exporter-secret", scopes: ["audit:read"] },
      { clientId: "retired", secret: "retired-secret", scopes: ["audit:read"] },
    );
    t = await makeTestApp({ clients });
  });
  after(() => t.close());

  it("refuses a client token on a user-only route as it refuses an unknown subject", async () => {
    const token = await clientToken("siem", "siem-secret", "me");

    const response = await get("/users/me/", token);

    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { detail: "Could not validate credentials" });
    assert.match(response.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
  });

  it("accepts a client token holding the scope on a route accepting clients", async () => {
    const token = await clientToken("siem", "siem-secret", "audit:read");

    const response = await get("/admin/audit", token);

    assert.equal(response.status, 200);
  });

  it("still accepts a user token on a route accepting users and clients", async () => {
    await t.store.users.createUser({
      username: "auditor",
      scopes: ["audit:read"],
      passwordHash: await t.hasher.hash("auditor password"),
    });
    const token = await t.login("auditor", "auditor password");

    const response = await get("/admin/audit", token);

    assert.equal(response.status, 200);
  });

  it("refuses a client's token once the client is disabled, or no longer confidential", async () => {
    const token = await clientToken("retired", "retired-secret", "audit:read");
    clients.change("retired", { disabled: true });

    const disabled = await get("/admin/audit", token);
    clients.change("retired", { disabled: false, type: "public" });
    const demoted = await get("/admin/audit", token);

    assert.equal(disabled.status, 401);
    assert.equal(demoted.status, 401);
  });

  it("refuses with 403 a token whose client is no longer allowed the scope", async () => {
    const token = await clientToken("exporter", "exporter-secret", "audit:read");
    clients.change("exporter", { scopes: [] });

    const response = await get("/admin/audit", token);

    assert.equal(response.status, 403);
    assert.match(response.headers.get("www-authenticate") ?? "", /scope="audit:read"/);
  });

  it("documents the accepted principals of a route in OpenAPI, a user-only route as before", async () => {
    const response = await t.app.request("/openapi.json");
    const doc = (await response.json()) as {
      paths: Record<string, Record<string, OperationDoc>>;
    };

    const audit = doc.paths["/admin/audit"]?.["get"];
    const me = doc.paths["/users/me/"]?.["get"];
    assert.deepEqual(audit?.security, [{ OAuth2PasswordBearer: ["audit:read"] }]);
    assert.deepEqual(audit?.["x-principals"], ["user", "client"]);
    assert.match(audit?.description ?? "", /client credentials flow/);
    assert.equal(me?.["x-principals"], undefined);
  });

  it("accepts only the kinds every guard it uses accepts, and refuses a declaration left with none", () => {
    const { store, tokens, scopes } = t.services;
    const deps = { users: store.users, denylist: store.denylist, tokens, scopes, clients };
    const user = defineGuard(deps, ["me"]);

    const both = defineGuard(deps, { scopes: [], uses: [user], principals: ["user", "client"] });

    assert.deepEqual(both.principals, ["user"]);
    assert.deepEqual(both.scopes, ["me"]);
    assert.throws(
      () => defineGuard(deps, { scopes: [], uses: [user], principals: ["client"] }),
      TypeError,
    );
  });
});
