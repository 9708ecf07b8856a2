import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TestApp } from "../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../test/fixtures/test-app.ts";

interface OpenApiDocument {
  openapi: string;
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, { security?: unknown; requestBody?: unknown }>>;
}

describe("the OpenAPI document", () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  before(async () => {
    t = await makeTestApp();
    doc = (await (await t.app.request("/openapi.json")).json()) as OpenApiDocument;
  });
  after(() => t.close());

  it("is OpenAPI 3.1", () => {
    assert.equal(doc.openapi, "3.1.0");
  });

  it("declares the OAuth2 password, client credentials and code flows with the scope catalogue", () => {
    const scheme = doc.components.securitySchemes["OAuth2PasswordBearer"] as {
      flows: { clientCredentials?: unknown; authorizationCode?: unknown };
    };
    const catalogue = (scheme.flows as { password: { scopes: unknown } }).password.scopes;
    assert.deepEqual(scheme.flows.clientCredentials, { tokenUrl: "/token", scopes: catalogue });
    assert.deepEqual(scheme.flows.authorizationCode, {
      authorizationUrl: "/authorize",
      tokenUrl: "/token",
      refreshUrl: "/token",
      scopes: catalogue,
    });
    const { clientCredentials: _, authorizationCode: __, ...flows } = scheme.flows;
    assert.deepEqual(
      { ...scheme, flows },
      {
        type: "oauth2",
        flows: {
          password: {
            tokenUrl: "/token",
            refreshUrl: "/token",
            scopes: {
              me: "Read information about the current user.",
              items: "Read items.",
              introspect: "Introspect tokens on behalf of resource servers.",
              "users:read": "Read user accounts.",
              "users:write": "Create, change and delete user accounts.",
              "audit:read": "Read the audit trail.",
              "clients:read": "Read registered OAuth clients.",
              "clients:write":
                "Register, change, disable and delete OAuth clients and rotate their secrets.",
              "events:read":
                "Read the stream of security events (revocations, account changes) at /security-events, for resource servers.",
            },
          },
        },
      },
    );
  });

  it("documents /token as a URL-encoded form body", () => {
    const body = doc.paths["/token"]?.["post"]?.requestBody as { content: Record<string, unknown> };

    assert.deepEqual(Object.keys(body.content), ["application/x-www-form-urlencoded"]);
  });

  it("gives each protected route the scopes its guard enforces", () => {
    assert.deepEqual(doc.paths["/users/me/"]?.["get"]?.security, [
      { OAuth2PasswordBearer: ["me"] },
    ]);
    assert.deepEqual(doc.paths["/users/me/items/"]?.["get"]?.security, [
      { OAuth2PasswordBearer: ["me", "items"] },
    ]);
    assert.deepEqual(doc.paths["/status/"]?.["get"]?.security, [{ OAuth2PasswordBearer: [] }]);
    assert.deepEqual(doc.paths["/admin/users"]?.["get"]?.security, [
      { OAuth2PasswordBearer: ["users:read"] },
    ]);
    assert.deepEqual(doc.paths["/admin/users/{username}"]?.["patch"]?.security, [
      { OAuth2PasswordBearer: ["users:write"] },
    ]);
    assert.deepEqual(doc.paths["/admin/audit"]?.["get"]?.security, [
      { OAuth2PasswordBearer: ["audit:read"] },
    ]);
    assert.deepEqual(doc.paths["/admin/clients"]?.["get"]?.security, [
      { OAuth2PasswordBearer: ["clients:read"] },
    ]);
    assert.deepEqual(doc.paths["/admin/clients/{client_id}/rotate-secret"]?.["post"]?.security, [
      { OAuth2PasswordBearer: ["clients:write"] },
    ]);
  });
});

describe("the docs pages", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(() => t.close());

  for (const path of ["/docs", "/redoc", "/docs/oauth2-redirect"]) {
    it(`serves ${path} loading scripts only from this origin`, async () => {
      const response = await t.app.request(path);
      const html = await response.text();

      assert.equal(response.status, 200);
      assert.doesNotMatch(html, /https?:\/\//);
      for (const [, src] of html.matchAll(/src="([^"]+)"/g)) {
        const asset = await t.app.request(src ?? "");
        assert.equal(asset.status, 200, src);
      }
    });
  }

  it("serves a ReDoc bundle whose menu logo is inline rather than from Redocly's CDN (issue 6)", async () => {
    const bundle = await (await t.app.request("/redoc/redoc.standalone.js")).text();

    assert.doesNotMatch(bundle, /cdn\.redoc\.ly/);
    assert.match(bundle, /data:image\/svg\+xml/);
  });

  it("serves the Swagger UI stylesheet", async () => {
    const response = await t.app.request("/docs/swagger-ui.css");

    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/css");
  });
});

describe("every response", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(() => t.close());

  it("carries the security headers and a request id", async () => {
    const response = await t.app.request("/openapi.json");

    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("referrer-policy"), "no-referrer");
    assert.match(response.headers.get("content-security-policy") ?? "", /script-src 'self'/);
    assert.match(response.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  });

  it("carries the security headers and a request id on error answers too (issue 6)", async () => {
    const original = t.store.users.findByUsername;
    const token = await t.login("johndoe", "secret");
    t.store.users.findByUsername = () => Promise.reject(new Error("boom"));
    const failed = await t.app.request("/users/me/", {
      headers: { authorization: `Bearer ${token}` },
    });
    t.store.users.findByUsername = original;
    const answers = [
      await t.app.request("/nope"),
      await t.app.request("/users/me/"),
      await t.app.request("/users/me/", { headers: { authorization: "Bearer bad.token" } }),
      await t.app.request("/token", { method: "POST", body: "x".repeat(20_000) }),
      failed,
    ];

    assert.deepEqual(
      answers.map((r) => r.status),
      [404, 401, 401, 413, 500],
    );
    for (const response of answers) {
      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      assert.equal(response.headers.get("x-frame-options"), "DENY");
      assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'self'/);
      assert.match(response.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    }
  });

  it("gives each response its own request id", async () => {
    const first = await t.app.request("/nope");
    const second = await t.app.request("/nope");

    assert.notEqual(first.headers.get("x-request-id"), second.headers.get("x-request-id"));
  });

  it("answers an unknown path with a JSON 404", async () => {
    const response = await t.app.request("/nope");

    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { detail: "Not Found" });
  });

  it("answers an unexpected failure with a fixed 500 body that leaks nothing", async () => {
    const token = await t.login("johndoe", "secret");
    const original = t.store.users.findByUsername;
    t.store.users.findByUsername = () => Promise.reject(new Error("database password is hunter2"));

    const response = await t.app.request("/users/me/", {
      headers: { authorization: `Bearer ${token}` },
    });

    t.store.users.findByUsername = original;
    assert.equal(response.status, 500);
    assert.deepEqual(await response.json(), { detail: "Internal Server Error" });
  });
});

describe("the OpenAPI document for the token lifecycle", () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  before(async () => {
    t = await makeTestApp();
    doc = (await (await t.app.request("/openapi.json")).json()) as OpenApiDocument;
  });
  after(() => t.close());

  it("documents the refresh grant's fields on /token", () => {
    const body = doc.paths["/token"]?.["post"]?.requestBody as {
      content: Record<string, { schema: { $ref: string } }>;
    };
    const ref = body.content["application/x-www-form-urlencoded"]?.schema.$ref ?? "";
    const schemas = (doc as unknown as { components: { schemas: Record<string, unknown> } })
      .components.schemas;
    const request = schemas[ref.split("/").pop() ?? ""] as { properties: Record<string, unknown> };

    assert.ok("refresh_token" in request.properties);
    assert.ok("grant_type" in request.properties);
  });

  it("documents /revoke as open to public clients and Basic for confidential ones", () => {
    const revoke = doc.paths["/revoke"]?.["post"];

    assert.ok(revoke);
    assert.deepEqual(revoke.security, [{}, { ClientSecretBasic: [] }]);
    assert.deepEqual(doc.components.securitySchemes["ClientSecretBasic"], {
      type: "http",
      scheme: "basic",
      description: "A confidential client's id and secret, each form-encoded (RFC 6749 §2.3.1)",
    });
  });

  it("documents /introspect and logout-all with the scopes their guards enforce", () => {
    assert.deepEqual(doc.paths["/introspect"]?.["post"]?.security, [
      { ClientSecretBasic: [] },
      { OAuth2PasswordBearer: ["introspect"] },
    ]);
    assert.deepEqual(doc.paths["/users/me/logout-all"]?.["post"]?.security, [
      { OAuth2PasswordBearer: ["me"] },
    ]);
  });
});
