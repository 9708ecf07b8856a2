// HS256 interop with a FastAPI app that follows the seed, proven with jose — not Gatehouse's JWT library.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { createApp } from "gatehouse-auth/http/app";
import type { OpenApiApp } from "gatehouse-auth/http/openapi";
import { composeServices, type Services } from "gatehouse-auth/service/compose";
import { loadSettings } from "gatehouse-auth/service/config";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { jwtVerify, SignJWT } from "jose";
import { createFastHasher } from "../fixtures/fast-hasher.ts";

// The FastAPI app's SECRET_KEY, shared with Gatehouse as GATEHOUSE_JWT_SECRET.
const SECRET_KEY = "3b1f0c0e8a7d4e2b9c6f5a4d3e2b1c0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";
const key = new TextEncoder().encode(SECRET_KEY);
const now = Date.UTC(2026, 0, 1);

interface Running {
  readonly app: OpenApiApp;
  readonly services: Services;
  readonly clock: ReturnType<typeof createFixedClock>;
}

const opened: Services[] = [];
after(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

async function gatehouse(env: Record<string, string>): Promise<Running> {
  const clock = createFixedClock(now);
  const settings = loadSettings({
    GATEHOUSE_DATABASE_URL: ":memory:",
    GATEHOUSE_DEMO: "true",
    GATEHOUSE_JWT_SECRET: SECRET_KEY,
    GATEHOUSE_LOG_LEVEL: "silent",
    ...env,
  });
  const services = await composeServices(settings, { clock, hasher: createFastHasher() });
  opened.push(services);
  const app = createApp(services);
  return { app, services, clock };
}

/** What the seed's `create_access_token` produces: PyJWT HS256, sub + exp + scopes. */
function fastapiToken(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ sub: "johndoe", exp: now / 1000 + 15 * 60, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(key);
}

const items = (app: OpenApiApp, token: string) =>
  Promise.resolve(
    app.request("/users/me/items/", { headers: { authorization: `Bearer ${token}` } }),
  );

describe("tokens issued by a FastAPI app following the seed", () => {
  it("are accepted with a scopes list during the migration window", async () => {
    const { app } = await gatehouse({ GATEHOUSE_LEGACY_TOKENS_UNTIL: "2026-02-01" });

    const response = await items(app, await fastapiToken({ scopes: ["me", "items"] }));

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), [{ item_id: "Foo", owner: "johndoe" }]);
  });

  it("are accepted with a scope string during the migration window", async () => {
    const { app } = await gatehouse({ GATEHOUSE_LEGACY_TOKENS_UNTIL: "2026-02-01T00:00:00Z" });

    const response = await items(app, await fastapiToken({ scope: "me items" }));

    assert.equal(response.status, 200);
  });

  it("still need the route's scopes", async () => {
    const { app } = await gatehouse({ GATEHOUSE_LEGACY_TOKENS_UNTIL: "2026-02-01" });

    const response = await items(app, await fastapiToken({ scopes: ["me"] }));

    assert.equal(response.status, 403);
  });

  it("are refused once the window has closed", async () => {
    const { app, clock } = await gatehouse({
      GATEHOUSE_LEGACY_TOKENS_UNTIL: "2026-01-01T00:10:00Z",
    });
    const token = await fastapiToken({ scopes: ["me", "items"] });
    clock.advance(10 * 60 * 1000);

    const response = await items(app, token);

    assert.equal(response.status, 401);
  });

  it("are refused when no migration window is configured", async () => {
    const { app } = await gatehouse({});

    const response = await items(app, await fastapiToken({ scopes: ["me", "items"] }));

    assert.equal(response.status, 401);
  });

  it("are counted as legacy verifications in the metrics", async () => {
    const { app, services } = await gatehouse({ GATEHOUSE_LEGACY_TOKENS_UNTIL: "2026-02-01" });

    await items(app, await fastapiToken({ scopes: ["me", "items"] }));

    assert.match(
      await services.metrics.render(),
      /gatehouse_token_verifications_total\{outcome="legacy"\} 1/,
    );
  });
});

describe("tokens issued by Gatehouse, read as the seed's FastAPI app reads them", () => {
  const login = async (app: OpenApiApp): Promise<string> => {
    const response = await app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ username: "johndoe", password: "secret" }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  };

  it("verify with the shared secret and carry sub, exp and scope", async () => {
    const { app } = await gatehouse({});

    const { payload } = await jwtVerify(await login(app), key, {
      algorithms: ["HS256"],
      currentDate: new Date(now),
    });

    assert.equal(payload.sub, "johndoe");
    assert.equal(payload.exp, now / 1000 + 1800);
    assert.equal(payload["scope"], "me items");
    assert.equal(payload["scopes"], undefined);
  });

  it("carry the scopes list the seed reads when GATEHOUSE_FASTAPI_COMPAT_CLAIMS is on", async () => {
    const { app } = await gatehouse({ GATEHOUSE_FASTAPI_COMPAT_CLAIMS: "true" });

    const { payload } = await jwtVerify(await login(app), key, {
      algorithms: ["HS256"],
      currentDate: new Date(now),
    });

    // The seed: token_scopes = payload.get("scopes", [])
    assert.deepEqual(payload["scopes"], ["me", "items"]);
  });

  it("with the compat claims are still accepted by Gatehouse itself", async () => {
    const { app } = await gatehouse({ GATEHOUSE_FASTAPI_COMPAT_CLAIMS: "true" });

    const response = await items(app, await login(app));

    assert.equal(response.status, 200);
  });
});
