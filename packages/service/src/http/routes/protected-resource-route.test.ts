import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import type { AppEnv } from "../app-env.ts";
import type { OpenApiApp } from "../openapi.ts";
import { mountProtectedResourceRoute, protectedResourcePath } from "./protected-resource-route.ts";

describe("GET /.well-known/oauth-protected-resource", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(() => t.close());

  it("describes Gatehouse's own routes with Gatehouse as their authorization server (RFC 9728)", async () => {
    const response = await t.app.request(protectedResourcePath);

    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "public, max-age=300");
    assert.deepEqual(await response.json(), {
      resource: "http://127.0.0.1:8000",
      authorization_servers: ["http://127.0.0.1:8000"],
      scopes_supported: [...t.services.scopes.all],
      bearer_methods_supported: ["header"],
      resource_name: "Gatehouse",
      resource_documentation: "http://127.0.0.1:8000/docs",
    });
  });

  it("keeps a document derived from the Host header out of shared caches", async () => {
    const app: OpenApiApp = new OpenAPIHono<AppEnv>();
    mountProtectedResourceRoute(app, { scopes: t.services.scopes });

    const response = await app.request(`http://api.example.test${protectedResourcePath}`);

    assert.equal(
      ((await response.json()) as { resource: string }).resource,
      "http://api.example.test",
    );
    assert.equal(response.headers.get("cache-control"), "private, max-age=300");
    assert.equal(response.headers.get("vary"), "Host");
  });
});
