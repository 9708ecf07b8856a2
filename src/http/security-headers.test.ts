import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TestApp } from "../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../test/fixtures/test-app.ts";

describe("security headers on every route", () => {
  let t: TestApp;
  let bearer: Record<string, string>;
  before(async () => {
    t = await makeTestApp();
    bearer = { authorization: `Bearer ${await t.login("johndoe", "secret")}` };
  });
  after(() => t.close());

  const tokenForm = (fields: Record<string, string>): RequestInit => ({
    method: "POST",
    body: new URLSearchParams(fields),
  });

  // Every response: route, request, and whether it carries tokens or user data (must be no-store).
  const cases: readonly [string, string, () => RequestInit, boolean][] = [
    ["token issued", "/token", () => tokenForm({ username: "johndoe", password: "secret" }), true],
    ["bad login", "/token", () => tokenForm({ username: "johndoe", password: "wrong" }), true],
    ["missing fields", "/token", () => tokenForm({ username: "johndoe" }), true],
    [
      "duplicate field",
      "/token",
      () => ({
        method: "POST",
        body: "username=a&username=b&password=x",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      true,
    ],
    [
      "oversized token form",
      "/token",
      () => ({ method: "POST", body: "x".repeat(17 * 1024) }),
      true,
    ],
    ["user", "/users/me/", () => ({ headers: bearer }), true],
    ["user without token", "/users/me/", () => ({}), true],
    [
      "user with a bad token",
      "/users/me",
      () => ({ headers: { authorization: "Bearer x.y.z" } }),
      true,
    ],
    ["items", "/users/me/items/", () => ({ headers: bearer }), true],
    ["status", "/status/", () => ({ headers: bearer }), true],
    ["liveness", "/healthz", () => ({}), true],
    ["readiness", "/readyz", () => ({}), true],
    ["OpenAPI", "/openapi.json", () => ({}), true],
    ["Swagger UI", "/docs", () => ({}), true],
    ["ReDoc", "/redoc", () => ({}), true],
    ["not found", "/nowhere", () => ({}), true],
    ["docs asset", "/docs/swagger-init.js", () => ({}), false],
  ];

  for (const [name, path, init, noStore] of cases) {
    it(`sets nosniff, no-referrer, frame denial and the CSP on: ${name}`, async () => {
      const response = await t.app.request(path, init());

      assert.equal(response.headers.get("x-content-type-options"), "nosniff");
      assert.equal(response.headers.get("referrer-policy"), "no-referrer");
      assert.equal(response.headers.get("x-frame-options"), "DENY");
      assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'self'/);
      if (noStore) assert.equal(response.headers.get("cache-control"), "no-store");
      else assert.equal(response.headers.get("cache-control"), "public, max-age=86400");
    });
  }
});

describe("request body caps", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(() => t.close());

  it("answers 413 to a JSON body over 64 KiB on any route", async () => {
    const body = JSON.stringify({ padding: "x".repeat(65 * 1024) });

    for (const path of ["/users/me/", "/nowhere", "/healthz"]) {
      const response = await t.app.request(path, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      });
      assert.equal(response.status, 413, path);
      assert.deepEqual(await response.json(), { detail: "Request body too large" });
    }
  });

  it("answers 413 to a token form over 16 KiB", async () => {
    const response = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ username: "johndoe", password: "p".repeat(20 * 1024) }),
    });

    assert.equal(response.status, 413);
  });

  it("answers 401, not an error, to an Authorization header far longer than any token", async () => {
    const response = await t.app.request("/users/me/", {
      headers: { authorization: `Bearer ${"a".repeat(12 * 1024)}` },
    });

    assert.equal(response.status, 401);
    assert.equal(
      response.headers.get("www-authenticate"),
      'Bearer error="invalid_token", scope="me"',
    );
  });
});
