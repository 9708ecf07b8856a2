import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createExpressGuard } from "./express.ts";
import { createFastifyGuard } from "./fastify.ts";
import { requireGatehouseToken } from "./hono.ts";
import { createProtectedResource } from "./protected-resource.ts";
import type { RemoteVerifier } from "./remote-verifier.ts";

const servers = ["https://auth.example.test"];
const unused: RemoteVerifier = { verify: () => Promise.reject(new Error("not called")) };

describe("createProtectedResource", () => {
  it("serves a resource without a path at the bare well-known path", () => {
    const resource = createProtectedResource({
      resource: "https://api.example.test",
      authorizationServers: servers,
    });

    assert.equal(resource.metadataPath, "/.well-known/oauth-protected-resource");
    assert.equal(
      resource.metadataUrl,
      "https://api.example.test/.well-known/oauth-protected-resource",
    );
    assert.deepEqual(resource.metadata, {
      resource: "https://api.example.test",
      authorization_servers: servers,
      bearer_methods_supported: ["header"],
    });
  });

  it("inserts the well-known segment before the resource's path (RFC 9728 §3.1)", () => {
    const resource = createProtectedResource({
      resource: "https://api.example.test/tenant/billing",
      authorizationServers: servers,
    });

    assert.equal(resource.metadataPath, "/.well-known/oauth-protected-resource/tenant/billing");
  });

  it("writes the resource back exactly as configured (RFC 9728 §3.3)", () => {
    const resource = createProtectedResource({
      resource: "https://api.example.test/",
      authorizationServers: servers,
    });

    assert.equal(resource.metadata.resource, "https://api.example.test/");
  });

  it("accepts http on a loopback host, for development", () => {
    const resource = createProtectedResource({
      resource: "http://127.0.0.1:3000",
      authorizationServers: ["http://127.0.0.1:8000"],
    });

    assert.equal(
      resource.metadataUrl,
      "http://127.0.0.1:3000/.well-known/oauth-protected-resource",
    );
  });

  for (const [why, value] of [
    ["plain http on a public host", "http://api.example.test"],
    ["a query", "https://api.example.test/?tenant=1"],
    ["a fragment", "https://api.example.test/#top"],
    ["credentials", "https://user:pass@api.example.test"],
    ["a relative URL", "/api"],
  ] as const) {
    it(`refuses a resource with ${why}`, () => {
      assert.throws(
        () => createProtectedResource({ resource: value, authorizationServers: servers }),
        TypeError,
      );
    });
  }

  it("accepts an http issuer, as Gatehouse is configured in development", () => {
    const resource = createProtectedResource({
      resource: "https://api.example.test",
      authorizationServers: ["http://gatehouse.internal"],
    });

    assert.deepEqual(resource.metadata.authorization_servers, ["http://gatehouse.internal"]);
  });

  it("refuses an issuer with a query", () => {
    assert.throws(
      () =>
        createProtectedResource({
          resource: "https://api.example.test",
          authorizationServers: ["https://auth.example.test/?x=1"],
        }),
      TypeError,
    );
  });

  it("refuses a resource without an authorization server", () => {
    assert.throws(
      () =>
        createProtectedResource({ resource: "https://api.example.test", authorizationServers: [] }),
      TypeError,
    );
  });
});

describe("a guard pointing to resource metadata", () => {
  for (const [name, create] of [
    ["Hono", (url: string) => requireGatehouseToken(unused, [], { resourceMetadataUrl: url })],
    ["Fastify", (url: string) => createFastifyGuard(unused, { resourceMetadataUrl: url })],
    ["Express", (url: string) => createExpressGuard(unused, { resourceMetadataUrl: url })],
  ] as const) {
    it(`refuses, when the ${name} guard is created, a URL a challenge cannot carry`, () => {
      assert.throws(() => create("not a url"), TypeError);
      assert.throws(() => create('https://api.example.test/"x'), TypeError);
    });
  }
});
