import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { ReadinessCheck } from "gatehouse-auth-core/readiness";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import type { AppEnv } from "../app-env.ts";
import { mountHealthRoutes } from "./health-routes.ts";

function healthApp(readiness: ReadinessCheck, draining = false): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  mountHealthRoutes(app, { readiness, draining: () => draining });
  return app;
}

const ready: ReadinessCheck = { checkReady: async () => ({ ok: true, detail: "ready" }) };

describe("health routes", () => {
  it("answers /healthz with 200 ok", async () => {
    const response = await healthApp(ready).request("/healthz");

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: "ok" });
  });

  it("answers /readyz with 200 when the store is ready", async () => {
    const t = await makeTestApp();

    const response = await t.app.request("/readyz");

    await t.close();
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: "ready" });
  });

  it("says on /readyz how a caching store reads: from its caches or the database", async () => {
    const direct: ReadinessCheck = {
      checkReady: async () => ({ ok: true, detail: "ready", reads: "direct" }),
    };

    const response = await healthApp(direct).request("/readyz");

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: "ready", reads: "direct" });
  });

  it("answers /readyz with 503 and the reason when the store is not ready", async () => {
    const t = await makeTestApp();
    await t.store.close();

    const response = await t.app.request("/readyz");

    await t.close();
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { status: "unavailable", detail: "store closed" });
  });

  it("answers /readyz with 503 once shutdown began, while /healthz still answers", async () => {
    const app = healthApp(ready, true);

    const readyz = await app.request("/readyz");
    const healthz = await app.request("/healthz");

    assert.equal(readyz.status, 503);
    assert.deepEqual(await readyz.json(), { status: "unavailable", detail: "shutting down" });
    assert.equal(healthz.status, 200);
  });
});
