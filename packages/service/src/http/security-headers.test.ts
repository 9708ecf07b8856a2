import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ServerType } from "@hono/node-server";
import { serve } from "@hono/node-server";
import type { TestApp } from "../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../test/fixtures/test-app.ts";
import { EnvelopeResponse } from "./envelope-response.ts";

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
      assertSecurityHeaders(response, noStore);
    });
  }

  // Served as `npm start` serves it, the headers go into the status line's writeHead; served by a
  // plain Node server of an embedder's own, onto the app's response.
  const setups = [
    ["as Gatehouse's server answers", { ServerResponse: EnvelopeResponse }],
    ["with Node's own ServerResponse", {}],
  ] as const;
  for (const [setup, serverOptions] of setups)
    describe(`over Node's HTTP server, ${setup}`, () => {
      let server: ServerType;
      let origin: string;
      before(async () => {
        server = await new Promise<ServerType>((resolve) => {
          const s = serve(
            { fetch: t.app.fetch, hostname: "127.0.0.1", port: 0, serverOptions },
            () => resolve(s),
          );
        });
        origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      });
      after(() => new Promise((resolve) => server.close(resolve)));

      for (const [name, path, init, noStore] of cases) {
        it(`sets the same headers, once each, on: ${name}`, async () => {
          const response = await fetch(`${origin}${path}`, init());
          await response.arrayBuffer();
          assertSecurityHeaders(response, noStore);
          // Set by the envelope and by no route: a second copy would read "a, b".
          assert.match(response.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
          assert.equal(response.headers.get("x-frame-options"), "DENY");
        });
      }

      it("refuses two Authorization fields as one malformed credential, never using the first", async () => {
        const token = bearer["authorization"] ?? "";
        const { port } = server.address() as AddressInfo;
        const answer = await rawRequest(
          port,
          `GET /users/me/ HTTP/1.1\r\nHost: x\r\nAuthorization: ${token}\r\nAuthorization: ${token}\r\nConnection: close\r\n\r\n`,
        );

        assert.match(answer, /^HTTP\/1\.1 401 /);
        assert.match(answer, /www-authenticate: Bearer error="invalid_token"/i);
      });
    });
});

// Sends `request` as is on a new connection and resolves with everything the server answered.
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(request));
    let answer = "";
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
    });
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

function assertSecurityHeaders(response: Response, noStore: boolean): void {
  assert.equal(response.headers.get("x-content-type-options"), "nosniff");
  assert.equal(response.headers.get("referrer-policy"), "no-referrer");
  assert.equal(response.headers.get("x-frame-options"), "DENY");
  assert.match(response.headers.get("content-security-policy") ?? "", /default-src 'self'/);
  if (noStore) assert.equal(response.headers.get("cache-control"), "no-store");
  else assert.equal(response.headers.get("cache-control"), "public, max-age=86400");
}

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
