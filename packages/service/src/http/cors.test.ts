import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TestApp } from "../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../test/fixtures/test-app.ts";

describe("CORS for browser apps (GATEHOUSE_CORS_ORIGINS)", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ corsOrigins: ["https://spa.example"] });
  });
  after(() => t.close());

  const preflight = (path: string, origin: string) =>
    t.app.request(path, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });

  it("answers a listed origin's preflight for /token", async () => {
    const response = await preflight("/token", "https://spa.example");

    assert.equal(response.status, 204);
    assert.equal(response.headers.get("access-control-allow-origin"), "https://spa.example");
  });

  it("answers the preflight of /users/me/ with a bearer token, and serves the metadata", async () => {
    const me = await t.app.request("/users/me/", {
      method: "OPTIONS",
      headers: {
        origin: "https://spa.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    const metadata = await t.app.request("/.well-known/oauth-authorization-server", {
      headers: { origin: "https://spa.example" },
    });

    assert.equal(me.status, 204);
    assert.match(me.headers.get("access-control-allow-headers") ?? "", /Authorization/);
    assert.equal(metadata.headers.get("access-control-allow-origin"), "https://spa.example");
  });

  it("names a listed origin on the user routes' answers", async () => {
    const token = await t.login("johndoe", "secret");

    const response = await t.app.request("/users/me/", {
      headers: { origin: "https://spa.example", authorization: `Bearer ${token}` },
    });

    assert.equal(response.headers.get("access-control-allow-origin"), "https://spa.example");
  });

  it("allows no other origin, and no other route", async () => {
    const other = await preflight("/token", "https://evil.example");
    const admin = await t.app.request("/admin/users", {
      headers: { origin: "https://spa.example" },
    });

    assert.equal(other.headers.get("access-control-allow-origin"), null);
    assert.equal(admin.headers.get("access-control-allow-origin"), null);
  });

  it("refuses a setting that is not a list of origins", async () => {
    await assert.rejects(makeTestApp({ corsOrigins: ["https://spa.example/path"] }));
  });
});
