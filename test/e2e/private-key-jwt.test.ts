// private_key_jwt (RFC 7523 §2.2) driven by an independent client library (oauth4webapi's
// PrivateKeyJwt) against Gatehouse on a loopback port: client credentials, introspection,
// revocation, and the assertions Gatehouse must refuse.
import assert from "node:assert/strict";
import type { KeyObject } from "node:crypto";
import { generateKeyPairSync, sign } from "node:crypto";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ServerType } from "@hono/node-server";
import { serve } from "@hono/node-server";
import { checkClientJwks } from "gatehouse-auth-core/clients/client-keys";
import { defaultThrottlePolicy } from "gatehouse-auth-core/grants/throttle";
import * as oauth from "oauth4webapi";
import type { TestApp } from "../fixtures/test-app.ts";
import { makeTestApp } from "../fixtures/test-app.ts";
import { createTestClients } from "../fixtures/test-clients.ts";

const options = { [oauth.allowInsecureRequests]: true };

function keyPair(kid: string) {
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid, ...pair, jwk: { ...pair.publicKey.export({ format: "jwk" }), kid } };
}

/** The WebCrypto form of a node:crypto private key, as oauth4webapi signs with. */
const cryptoKey = (key: KeyObject): ReturnType<KeyObject["toCryptoKey"]> =>
  key.toCryptoKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);

describe("private_key_jwt with an independent OAuth client (oauth4webapi)", () => {
  const signerKey = keyPair("signer-2026");
  const auditorKey = keyPair("auditor-2026");
  let t: TestApp;
  let server: ServerType;
  let as: oauth.AuthorizationServer;
  let signer: oauth.Client;
  // The service runs on the test's fixed clock; the library signs on the machine's, shifted to it.
  let nowSeconds: number;
  before(async () => {
    t = await makeTestApp({
      // Refused assertions count as failures; the refusals below would otherwise lock the client.
      throttle: {
        account: { ...defaultThrottlePolicy.account, freeFailures: 1000 },
        address: { ...defaultThrottlePolicy.address, freeFailures: 1000 },
      },
      clients: createTestClients(
        {
          clientId: "signer",
          jwks: checkClientJwks({ keys: [signerKey.jwk] }),
          scopes: ["items", "introspect"],
        },
        { clientId: "auditor", jwks: checkClientJwks({ keys: [auditorKey.jwk] }) },
      ),
    });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: t.app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    nowSeconds = Math.floor(t.clock.now() / 1000);
    signer = {
      client_id: "signer",
      [oauth.clockSkew]: Math.round((t.clock.now() - Date.now()) / 1000),
    };
    as = {
      issuer: t.services.settings.issuer,
      token_endpoint: `${base}/token`,
      introspection_endpoint: `${base}/introspect`,
      revocation_endpoint: `${base}/revoke`,
    };
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  type Change = (header: Record<string, unknown>, payload: Record<string, unknown>) => void;
  const signed = (
    key: KeyObject = signerKey.privateKey,
    kid: string = signerKey.kid,
    change?: Change,
  ): oauth.ClientAuth =>
    oauth.PrivateKeyJwt(
      { key: cryptoKey(key), kid },
      change === undefined ? {} : { [oauth.modifyAssertion]: change },
    );
  const withClaim =
    (name: string, value: unknown): Change =>
    (_header, payload) => {
      payload[name] = value;
    };
  const grant = (auth: oauth.ClientAuth) =>
    oauth.clientCredentialsGrantRequest(as, signer, auth, { scope: "items" }, options);
  const refusal = async (response: Response) => ({
    status: response.status,
    error: ((await response.json()) as { error?: string }).error,
  });

  it("obtains a client_credentials token with a signed assertion", async () => {
    const response = await grant(signed());
    const answer = await oauth.processClientCredentialsResponse(as, signer, response);

    assert.equal(answer.scope, "items");
    const claims = JSON.parse(
      Buffer.from(answer.access_token.split(".")[1] ?? "", "base64url").toString(),
    ) as Record<string, unknown>;
    assert.equal(claims["client_id"], "signer");
    assert.equal(claims["sub"], "client:signer");
  });

  it("introspects and revokes with assertions", async () => {
    const { access_token: token } = await oauth.processClientCredentialsResponse(
      as,
      signer,
      await grant(signed()),
    );

    const introspected = await oauth.processIntrospectionResponse(
      as,
      signer,
      await oauth.introspectionRequest(as, signer, signed(), token, options),
    );
    assert.equal(introspected.active, true);
    const revoked = await oauth.revocationRequest(as, signer, signed(), token, options);
    await oauth.processRevocationResponse(revoked);
    const after = await oauth.processIntrospectionResponse(
      as,
      signer,
      await oauth.introspectionRequest(as, signer, signed(), token, options),
    );
    assert.equal(after.active, false);
  });

  it("refuses a replayed assertion", async () => {
    let captured = "";
    const capture: oauth.ClientAuth = async (server, client, body, headers) => {
      await signed()(server, client, body, headers);
      captured = body.get("client_assertion") ?? "";
    };
    assert.equal((await grant(capture)).status, 200);

    const replay = await fetch(as.token_endpoint ?? "", {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: "signer",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: captured,
      }),
    });

    assert.deepEqual(await refusal(replay), { status: 401, error: "invalid_client" });
  });

  const refusedCases: [string, () => oauth.ClientAuth][] = [
    [
      "another audience",
      () => signed(undefined, undefined, withClaim("aud", "https://elsewhere.example")),
    ],
    ["an expired assertion", () => signed(undefined, undefined, withClaim("exp", nowSeconds - 5))],
    [
      "an assertion living an hour",
      () => signed(undefined, undefined, withClaim("exp", nowSeconds + 3600)),
    ],
    ["an unknown kid", () => signed(undefined, "nope")],
    ["another client's key under this client's kid", () => signed(auditorKey.privateKey)],
    ["another client's key and kid", () => signed(auditorKey.privateKey, auditorKey.kid)],
    ["iss naming another client", () => signed(undefined, undefined, withClaim("iss", "auditor"))],
  ];
  for (const [name, auth] of refusedCases) {
    it(`refuses ${name} with 401 invalid_client`, async () => {
      assert.deepEqual(await refusal(await grant(auth())), {
        status: 401,
        error: "invalid_client",
      });
    });
  }

  it("refuses an HS256 assertion keyed with the client's public key, and alg none", async () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const payload = part({
      iss: "signer",
      sub: "signer",
      aud: as.issuer,
      jti: "x1",
      exp: now + 60,
    });
    const publicPem = signerKey.publicKey.export({ format: "pem", type: "spki" }).toString();
    const { createHmac } = await import("node:crypto");
    const hsHeader = part({ alg: "HS256", kid: signerKey.kid });
    const mac = createHmac("sha256", publicPem)
      .update(`${hsHeader}.${payload}`)
      .digest("base64url");
    const post = (assertion: string) =>
      fetch(as.token_endpoint ?? "", {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: assertion,
        }),
      });

    const hs = await post(`${hsHeader}.${payload}.${mac}`);
    const none = await post(`${part({ alg: "none", kid: signerKey.kid })}.${payload}.`);

    assert.deepEqual(await refusal(hs), { status: 401, error: "invalid_client" });
    assert.deepEqual(await refusal(none), { status: 401, error: "invalid_client" });
  });

  it("refuses an assertion together with a client secret with 400 invalid_request", async () => {
    const both: oauth.ClientAuth = async (server, client, body, headers) => {
      await signed()(server, client, body, headers);
      body.set("client_secret", "anything");
    };

    assert.deepEqual(await refusal(await grant(both)), { status: 400, error: "invalid_request" });
  });

  it("lists private_key_jwt and its algorithms in the metadata", async () => {
    const response = await t.app.request("/.well-known/oauth-authorization-server");
    const metadata = (await response.json()) as Record<string, string[]>;

    assert.ok(metadata["token_endpoint_auth_methods_supported"]?.includes("private_key_jwt"));
    assert.deepEqual(metadata["token_endpoint_auth_signing_alg_values_supported"], [
      "RS256",
      "PS256",
      "ES256",
      "ES384",
      "EdDSA",
    ]);
  });
});

describe("failed private_key_jwt assertions and the throttle", () => {
  it("counts them like wrong secrets: after the free failures even a good assertion waits", async () => {
    const key = keyPair("k1");
    const t = await makeTestApp({
      clients: createTestClients({ clientId: "svc", jwks: checkClientJwks({ keys: [key.jwk] }) }),
    });
    try {
      const nowSeconds = Math.floor(t.clock.now() / 1000);
      let jti = 0;
      const assertion = (kid: string) => {
        const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
        const header = part({ alg: "ES256", kid });
        jti += 1;
        const payload = part({
          iss: "svc",
          sub: "svc",
          aud: t.services.settings.issuer,
          jti: `j${jti}`,
          exp: nowSeconds + 60,
        });
        const signature = sign("sha256", Buffer.from(`${header}.${payload}`), {
          key: key.privateKey,
          dsaEncoding: "ieee-p1363",
        }).toString("base64url");
        return `${header}.${payload}.${signature}`;
      };
      const post = (kid: string) =>
        t.app.request("/token", {
          method: "POST",
          body: new URLSearchParams({
            grant_type: "client_credentials",
            client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            client_assertion: assertion(kid),
          }),
        });
      assert.equal((await post("k1")).status, 200);
      for (let i = 0; i < defaultThrottlePolicy.account.freeFailures; i++) {
        assert.equal((await post("unknown")).status, 401);
      }

      const locked = await post("k1");

      assert.equal(locked.status, 429);
    } finally {
      await t.close();
    }
  });
});
