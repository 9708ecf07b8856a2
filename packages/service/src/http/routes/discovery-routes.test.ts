import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { OpenAPIHono } from "@hono/zod-openapi";
import { passwordLoginClientId } from "gatehouse-auth-core/clients/client-authentication";
import type { PublishedJwk } from "gatehouse-auth-core/keys/key-material";
import { rotateSigningKey } from "gatehouse-auth-core/keys/key-rotation";
import { peekKeyId } from "gatehouse-auth-core/keys/token-keys";
import { gatehouseScopeDescriptions } from "gatehouse-auth-core/scopes";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import type { AppEnv } from "../app-env.ts";
import type { OpenApiApp } from "../openapi.ts";
import { jwksPath, mountJwksRoute } from "./jwks-route.ts";
import { endpointPaths, metadataPath, mountMetadataRoute } from "./metadata-route.ts";

interface Jwks {
  keys: Record<string, unknown>[];
}

async function jwksOf(t: TestApp): Promise<{ response: Response; body: Jwks }> {
  const response = await t.app.request(jwksPath);
  return { response, body: (await response.json()) as Jwks };
}

function decode(token: string, segment: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[segment] ?? "", "base64url").toString());
}

describe("GET /.well-known/jwks.json", () => {
  for (const algorithm of ["EdDSA", "ES256"] as const) {
    describe(`with an ${algorithm} signing key`, () => {
      let t: TestApp;
      before(async () => {
        t = await makeTestApp({ signingAlgorithm: algorithm });
      });
      after(() => t.close());

      it("publishes the signing key with kid, alg and use sig", async () => {
        const token = await t.login("johndoe", "secret");

        const { body } = await jwksOf(t);

        assert.equal(body.keys.length, 1);
        assert.equal(body.keys[0]?.["kid"], peekKeyId(token));
        assert.equal(body.keys[0]?.["alg"], algorithm);
        assert.equal(body.keys[0]?.["use"], "sig");
      });

      it("holds no private or symmetric material: no d, no k", async () => {
        const { body } = await jwksOf(t);

        for (const key of body.keys) {
          assert.equal("d" in key, false);
          assert.equal("k" in key, false);
          assert.equal("p" in key || "q" in key || "dp" in key, false);
        }
      });

      it("is a JWK Set with a short public max-age", async () => {
        const { response } = await jwksOf(t);

        assert.equal(response.status, 200);
        assert.equal(response.headers.get("content-type"), "application/jwk-set+json");
        assert.equal(response.headers.get("cache-control"), "public, max-age=60");
      });
    });
  }

  it("publishes the new key and the one it superseded after a rotation", async () => {
    const t = await makeTestApp({ signingAlgorithm: "EdDSA" });
    const before = (await jwksOf(t)).body.keys.map((key) => key["kid"]);

    const { key } = await rotateSigningKey(
      { store: t.store.signingKeys, clock: t.clock },
      { algorithm: "ES256", tokenLifetimeSeconds: 1800 },
    );
    t.clock.advance(1000); // the JWKS re-reads keys older than a second
    const afterRotation = (await jwksOf(t)).body.keys.map((jwk) => jwk["kid"]);

    assert.deepEqual(afterRotation, [key.kid, ...before]);
    await t.close();
  });

  it("publishes no key at all when signing with a shared secret", async () => {
    const t = await makeTestApp();

    const { body } = await jwksOf(t);

    assert.deepEqual(body, { keys: [] });
    await t.close();
  });
});

describe("tokens from /token", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ signingAlgorithm: "EdDSA" });
  });
  after(() => t.close());

  it("are EdDSA at+jwt tokens with the stored key's kid", async () => {
    const token = await t.login("johndoe", "secret");

    const header = decode(token, 0);
    assert.deepEqual(Object.keys(header).sort(), ["alg", "kid", "typ"]);
    assert.equal(header["alg"], "EdDSA");
    assert.equal(header["typ"], "at+jwt");
  });

  it("carry the password login's client_id when the named client_id is not registered", async () => {
    const form = new URLSearchParams({ username: "johndoe", password: "secret", client_id: "spa" });

    const response = await t.app.request("/token", { method: "POST", body: form });

    const body = (await response.json()) as { access_token: string };
    assert.equal(decode(body.access_token, 1)["client_id"], passwordLoginClientId);
  });

  it("carry iss, aud and typ at+jwt by default (RFC 9068 §2.2)", async () => {
    const token = await t.login("johndoe", "secret");

    const claims = decode(token, 1);
    assert.equal(claims["iss"], "http://127.0.0.1:8000");
    assert.equal(claims["aud"], "http://127.0.0.1:8000");
    assert.equal(decode(token, 0)["typ"], "at+jwt");
  });

  it("are issued to the docs page's Authorize form, as Swagger UI posts it", async () => {
    const form =
      "grant_type=password&username=johndoe&password=secret&scope=me%20items&client_id=&client_secret=";

    const response = await t.app.request("/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    });

    assert.equal(response.status, 200);
    const body = (await response.json()) as { access_token: string; scope: string };
    assert.equal(body.scope, "me items");
    assert.equal(decode(body.access_token, 1)["client_id"], passwordLoginClientId);
  });

  it("carry the password login's client_id when none was named", async () => {
    const token = await t.login("johndoe", "secret");

    assert.equal(decode(token, 1)["client_id"], passwordLoginClientId);
  });

  for (const clientId of ["has space", "x".repeat(129), "tab\there", "é"]) {
    it(`refuse the client_id ${JSON.stringify(clientId.slice(0, 12))} with 422`, async () => {
      const form = new URLSearchParams({ username: "johndoe", password: "secret" });
      form.set("client_id", clientId);

      const response = await t.app.request("/token", { method: "POST", body: form });

      assert.equal(response.status, 422);
    });
  }

  it("are accepted by the protected routes", async () => {
    const token = await t.login("johndoe", "secret");

    const response = await t.app.request("/users/me/", {
      headers: { authorization: `Bearer ${token}` },
    });

    assert.equal(response.status, 200);
  });
});

interface Metadata {
  [member: string]: unknown;
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
}

describe("GET /.well-known/oauth-authorization-server", () => {
  let t: TestApp;
  let metadata: Metadata;
  let response: Response;
  before(async () => {
    t = await makeTestApp({ signingAlgorithm: "EdDSA" });
    response = await t.app.request(`http://auth.example.test:8443${metadataPath}`);
    metadata = (await response.json()) as Metadata;
  });
  after(() => t.close());

  it("names the service's base URL as the issuer when none is configured, as tokens do", () => {
    assert.equal(metadata.issuer, "http://127.0.0.1:8000");
  });

  it("lists the endpoints, grant types, scopes and auth methods", () => {
    assert.deepEqual(metadata, {
      issuer: "http://127.0.0.1:8000",
      authorization_endpoint: "http://127.0.0.1:8000/authorize",
      token_endpoint: "http://127.0.0.1:8000/token",
      device_authorization_endpoint: "http://127.0.0.1:8000/device_authorization",
      revocation_endpoint: "http://127.0.0.1:8000/revoke",
      introspection_endpoint: "http://127.0.0.1:8000/introspect",
      jwks_uri: "http://127.0.0.1:8000/.well-known/jwks.json",
      grant_types_supported: [
        "authorization_code",
        "password",
        "refresh_token",
        "client_credentials",
        "urn:ietf:params:oauth:grant-type:device_code",
      ],
      response_types_supported: ["code"],
      response_modes_supported: ["query"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      scopes_supported: [
        "me",
        "items",
        "introspect",
        "users:read",
        "users:write",
        "audit:read",
        "clients:read",
        "clients:write",
        "events:read",
      ],
      token_endpoint_auth_methods_supported: [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
      ],
      token_endpoint_auth_signing_alg_values_supported: [
        "RS256",
        "PS256",
        "ES256",
        "ES384",
        "EdDSA",
      ],
      revocation_endpoint_auth_methods_supported: [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
        "none",
      ],
      introspection_endpoint_auth_methods_supported: [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
      ],
      service_documentation: "http://127.0.0.1:8000/docs",
    });
  });

  it("names endpoints this app serves: /token and the JWKS are mounted routes", () => {
    const mounted = t.app.routes.map((route) => `${route.method} ${route.path}`);

    assert.ok(mounted.includes(`POST ${new URL(metadata.token_endpoint).pathname}`));
    assert.ok(mounted.includes(`GET ${new URL(metadata.authorization_endpoint).pathname}`));
    assert.ok(mounted.includes(`GET ${new URL(metadata.jwks_uri).pathname}`));
  });

  it("names the agreed revocation and introspection paths, POST wherever they are mounted", () => {
    const revoke = new URL(metadata.revocation_endpoint).pathname;
    const introspect = new URL(metadata.introspection_endpoint).pathname;

    assert.deepEqual([revoke, introspect], ["/revoke", "/introspect"]);
    for (const path of [revoke, introspect]) {
      const methods = t.app.routes.filter((r) => r.path === path).map((r) => r.method);
      assert.ok(
        methods.every((method) => method === "POST" || method === "ALL"),
        path,
      );
    }
  });

  it("answers the token endpoint it names", async () => {
    const form = new URLSearchParams({ username: "johndoe", password: "secret" });

    const answer = await t.app.request(new URL(metadata.token_endpoint).pathname, {
      method: "POST",
      body: form,
    });

    assert.equal(answer.status, 200);
  });

  it("serves the JWKS at the jwks_uri it names", async () => {
    const answer = await t.app.request(new URL(metadata.jwks_uri).pathname);

    assert.equal(answer.status, 200);
    assert.ok(Array.isArray(((await answer.json()) as Jwks).keys));
  });

  it("keeps the shared endpoint table and the document in step", () => {
    assert.equal(new URL(metadata.token_endpoint).pathname, endpointPaths.token);
    assert.equal(new URL(metadata.jwks_uri).pathname, endpointPaths.jwks);
  });

  it("uses the configured issuer, without doubling a trailing slash", async () => {
    const configured = await makeTestApp({ issuer: "https://id.example.test/" });

    const doc = (await (await configured.app.request(metadataPath)).json()) as Metadata;

    assert.equal(doc.issuer, "https://id.example.test/");
    assert.equal(doc.token_endpoint, "https://id.example.test/token");
    await configured.close();
  });

  it("is publicly cacheable by default: the issuer is the service's base URL, never the Host", () => {
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "public, max-age=300");
    assert.equal(response.headers.get("vary"), null);
  });

  it("keeps a document derived from the Host header out of shared caches, varying by Host (issue 16)", async () => {
    const app: OpenApiApp = new OpenAPIHono<AppEnv>();
    mountMetadataRoute(app, { scopes: t.services.scopes });

    const derived = await app.request(`http://auth.example.test:8443${metadataPath}`);

    assert.equal(((await derived.json()) as Metadata).issuer, "http://auth.example.test:8443");
    assert.equal(derived.headers.get("cache-control"), "private, max-age=300");
    assert.equal(derived.headers.get("vary"), "Host");
  });

  it("is publicly cacheable with a configured issuer, whatever Host the request names", async () => {
    const configured = await makeTestApp({ issuer: "https://id.example.test" });

    const forged = await configured.app.request(`http://attacker.example.test${metadataPath}`);

    assert.equal(((await forged.json()) as Metadata).issuer, "https://id.example.test");
    assert.equal(forged.headers.get("cache-control"), "public, max-age=300");
    assert.equal(forged.headers.get("vary"), null);
    await configured.close();
  });
});

describe("the OpenAPI document with the discovery routes", () => {
  it("documents both well-known routes and offers the password, client credentials and code flows", async () => {
    const t = await makeTestApp({ signingAlgorithm: "EdDSA" });

    const doc = (await (await t.app.request("/openapi.json")).json()) as {
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, { flows: unknown }> };
    };

    assert.ok(doc.paths[jwksPath]);
    assert.ok(doc.paths[metadataPath]);
    assert.deepEqual(doc.components.securitySchemes["OAuth2PasswordBearer"]?.flows, {
      password: {
        tokenUrl: "/token",
        refreshUrl: "/token",
        scopes: { ...gatehouseScopeDescriptions },
      },
      clientCredentials: { tokenUrl: "/token", scopes: { ...gatehouseScopeDescriptions } },
      authorizationCode: {
        authorizationUrl: "/authorize",
        tokenUrl: "/token",
        refreshUrl: "/token",
        scopes: { ...gatehouseScopeDescriptions },
      },
    });
    await t.close();
  });
});

describe("the JWKS route's own filter", () => {
  it("drops private members even if the key source handed them over", async () => {
    const app: OpenApiApp = new OpenAPIHono<AppEnv>();
    const leaky = {
      kty: "OKP",
      crv: "Ed25519",
      x: "x",
      d: "private",
      k: "secret",
      kid: "k1",
      alg: "EdDSA",
      use: "sig",
    } as unknown as PublishedJwk; // deliberately wrong: the route must not trust its source
    mountJwksRoute(app, { publicKeys: async () => [leaky] });

    const body = await (await app.request(jwksPath)).json();

    assert.deepEqual(body, {
      keys: [{ kty: "OKP", crv: "Ed25519", x: "x", kid: "k1", alg: "EdDSA", use: "sig" }],
    });
  });
});

describe("the OpenAPI document stays whole", () => {
  it("resolves every $ref to a declared component", async () => {
    const t = await makeTestApp({ signingAlgorithm: "EdDSA" });
    const doc = (await (await t.app.request("/openapi.json")).json()) as {
      components: Record<string, Record<string, unknown>>;
    };
    const refs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (typeof value === "object" && value !== null) {
        for (const [name, member] of Object.entries(value)) {
          if (name === "$ref" && typeof member === "string") refs.push(member);
          else walk(member);
        }
      }
    };

    walk(doc);

    assert.ok(refs.length > 0);
    for (const ref of refs) {
      const [, , kind = "", name = ""] = ref.split("/");
      assert.ok(doc.components[kind]?.[name] !== undefined, ref);
    }
    await t.close();
  });
});
