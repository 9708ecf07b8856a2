import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TestApp } from "../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../test/fixtures/test-app.ts";

const methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

describe("a request with a method its path is not served under", () => {
  let t: TestApp;
  let paths: Record<string, Record<string, unknown>>;
  before(async () => {
    t = await makeTestApp();
    const doc = (await (await t.app.request("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    paths = doc.paths;
  });
  after(() => t.close());

  it("is answered 405 at GET /token with Allow: POST and Starlette's detail (issue 16)", async () => {
    const response = await t.app.request("/token");

    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "POST");
    assert.deepEqual(await response.json(), { detail: "Method Not Allowed" });
  });

  it("is answered 405 on every documented path, Allow naming exactly its methods (issue 16)", async () => {
    const checked: string[] = [];

    for (const [documented, operations] of Object.entries(paths)) {
      const path = documented.replace(/\{\w+\}/g, "johndoe");
      const served = Object.keys(operations).map((method) => method.toUpperCase());
      if (served.includes("GET")) served.push("HEAD");
      const allow = methods.filter((method) => served.includes(method)).join(", ");
      for (const method of methods.filter((method) => !served.includes(method))) {
        const response = await t.app.request(path, { method });
        assert.equal(response.status, 405, `${method} ${path}`);
        assert.equal(response.headers.get("allow"), allow, `${method} ${path}`);
        checked.push(`${method} ${path}`);
      }
    }

    assert.ok(checked.length > 50, `only ${checked.length} cases`);
  });

  it("is answered 405 on a route's path written with a trailing slash too", async () => {
    const response = await t.app.request("/users/me/", { method: "DELETE" });

    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET, HEAD");
  });

  it("is answered 405 on the undocumented pages and /metrics", async () => {
    for (const path of ["/docs", "/redoc", "/metrics", "/openapi.json"]) {
      const response = await t.app.request(path, { method: "POST" });

      assert.equal(response.status, 405, path);
      assert.equal(response.headers.get("allow"), "GET, HEAD", path);
    }
  });

  it("still gets 404 when no route has the path, whatever the method", async () => {
    for (const method of ["GET", "POST", "DELETE"]) {
      const response = await t.app.request("/nope", { method });

      assert.equal(response.status, 404, method);
      assert.equal(response.headers.get("allow"), null, method);
    }
  });
});
