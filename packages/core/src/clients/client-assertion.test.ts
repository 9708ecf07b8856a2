import assert from "node:assert/strict";
import type { KeyObject } from "node:crypto";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { beforeEach, describe, it } from "node:test";
import { createSigner } from "fast-jwt";
import { createFixedClock } from "../clock.ts";
import type { ClientRecord } from "./client.ts";
import { peekAssertionSubject, verifyClientAssertion } from "./client-assertion.ts";
import type { ClientJwks } from "./client-keys.ts";
import { checkClientJwks } from "./client-keys.ts";

const now = Date.UTC(2026, 0, 1);
const issuer = "https://auth.example.test";
const tokenEndpoint = `${issuer}/token`;

function ecKey(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { kid, privateKey, publicKey, jwk: { ...publicKey.export({ format: "jwk" }), kid } };
}

const mine = ecKey("mine-1");
const other = ecKey("other-1");
const ed = generateKeyPairSync("ed25519");

function clientWith(jwks: ClientJwks, overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    clientId: "svc",
    name: "svc",
    type: "confidential",
    grantTypes: ["client_credentials"],
    scopes: [],
    redirectUris: [],
    audiences: [],
    firstParty: false,
    disabled: false,
    jwks,
    createdAt: 0,
    updatedAt: 0,
    secretHash: null,
    previousSecretHash: null,
    previousSecretExpiresAt: null,
    ...overrides,
  };
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: "svc",
    sub: "svc",
    aud: issuer,
    jti: randomUUID(),
    iat: seconds(now),
    exp: seconds(now) + 60,
    ...overrides,
  };
}

function sign(
  payload: Record<string, unknown>,
  key: KeyObject | string | Buffer = mine.privateKey,
  header: { alg?: string; kid?: string } = {},
): string {
  const signer = createSigner({
    key:
      typeof key === "string" || Buffer.isBuffer(key)
        ? key
        : key.export({ format: "pem", type: "pkcs8" }).toString(),
    algorithm: (header.alg ?? "ES256") as "ES256",
    kid: header.kid ?? mine.kid,
    // iat as the claims say, or the test's time when they have none.
    clockTimestamp: now,
  });
  return signer(payload);
}

/** A token with the given header and payload and no signature at all (`alg: none`). */
function unsigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part(header)}.${part(payload)}.`;
}

describe("verifyClientAssertion", () => {
  const registered = checkClientJwks({ keys: [mine.jwk] });
  let used: Set<string>;
  let deps: Parameters<typeof verifyClientAssertion>[0];
  beforeEach(() => {
    used = new Set();
    deps = {
      clock: createFixedClock(now),
      policy: {
        audiences: [issuer, tokenEndpoint],
        assertionIds: {
          useClientAssertionId: async (clientId, jti) => {
            const key = `${clientId} ${jti}`;
            if (used.has(key)) return false;
            used.add(key);
            return true;
          },
        },
      },
    };
  });
  const refuses = (assertion: string, client = clientWith(registered)) =>
    assert.rejects(verifyClientAssertion(deps, client, assertion), {
      name: "AuthError",
      code: "invalid_client",
    });

  it("accepts an assertion signed by the client's key for the issuer", async () => {
    await verifyClientAssertion(deps, clientWith(registered), sign(claims()));
  });

  it("accepts the token endpoint URL as the audience, alone or in a list", async () => {
    await verifyClientAssertion(deps, clientWith(registered), sign(claims({ aud: tokenEndpoint })));
    await verifyClientAssertion(
      deps,
      clientWith(registered),
      sign(claims({ aud: ["https://other.example", tokenEndpoint] })),
    );
  });

  it("refuses another audience", async () => {
    await refuses(sign(claims({ aud: "https://other.example" })));
  });

  it("refuses an expired assertion, and one expiring now", async () => {
    await refuses(sign(claims({ exp: seconds(now) - 1 })));
    await refuses(sign(claims({ exp: seconds(now) })));
  });

  it("refuses an assertion without exp", async () => {
    const { exp: _, ...rest } = claims();
    await refuses(sign(rest));
  });

  it("refuses an assertion living longer than five minutes from now", async () => {
    await refuses(sign(claims({ exp: seconds(now) + 301 })));
    await verifyClientAssertion(
      deps,
      clientWith(registered),
      sign(claims({ exp: seconds(now) + 300 })),
    );
  });

  it("refuses an assertion dated in the future, or with a time that is not a number", async () => {
    await refuses(sign(claims({ iat: seconds(now) + 120 })));
    await refuses(sign(claims({ iat: "yesterday" })));
    await refuses(sign(claims({ nbf: seconds(now) + 120 })));
  });

  it("refuses a replayed jti, and an assertion without one", async () => {
    const assertion = sign(claims({ jti: "once" }));
    await verifyClientAssertion(deps, clientWith(registered), assertion);

    await refuses(assertion);
    const { jti: _, ...rest } = claims();
    await refuses(sign(rest));
    await refuses(sign(claims({ jti: 42 })));
    await refuses(sign(claims({ jti: "x".repeat(257) })));
  });

  it("refuses iss or sub naming another client", async () => {
    await refuses(sign(claims({ iss: "intruder" })));
    await refuses(sign(claims({ sub: "intruder" })));
  });

  it("refuses HS256 made with the client's public key as the secret", async () => {
    const publicPem = mine.publicKey.export({ format: "pem", type: "spki" }).toString();

    await refuses(sign(claims(), Buffer.from(publicPem), { alg: "HS256" }));
  });

  it("refuses alg none", async () => {
    await refuses(unsigned({ alg: "none", kid: mine.kid }, claims()));
  });

  it("refuses an unknown kid, and an assertion naming no kid", async () => {
    await refuses(sign(claims(), mine.privateKey, { kid: "nope" }));
    await refuses(unsigned({ alg: "ES256" }, claims()));
  });

  it("refuses another client's key, even under this client's kid", async () => {
    await refuses(sign(claims(), other.privateKey));
    await refuses(sign(claims(), other.privateKey, { kid: other.kid }));
  });

  it("refuses a key's algorithm other than the one it is pinned to", async () => {
    const edJwks = checkClientJwks({
      keys: [{ ...ed.publicKey.export({ format: "jwk" }), kid: "ed" }],
    });

    await refuses(sign(claims(), mine.privateKey, { alg: "ES256", kid: "ed" }), clientWith(edJwks));
    await verifyClientAssertion(
      deps,
      clientWith(edJwks),
      sign(claims(), ed.privateKey, { alg: "EdDSA", kid: "ed" }),
    );
  });

  it("refuses a tampered payload", async () => {
    const [header, , signature] = sign(claims()).split(".");
    const forged = Buffer.from(
      JSON.stringify(claims({ sub: "svc", exp: seconds(now) + 200 })),
    ).toString("base64url");

    await refuses(`${header}.${forged}.${signature}`);
  });

  it("refuses a client without registered keys", async () => {
    await assert.rejects(
      verifyClientAssertion(deps, { ...clientWith(registered), jwks: null }, sign(claims())),
      { code: "invalid_client" },
    );
  });
});

describe("peekAssertionSubject", () => {
  it("reads the sub of a compact JWS without verifying it, and nothing from anything else", () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

    assert.equal(peekAssertionSubject(`${part({})}.${part({ sub: "svc" })}.sig`), "svc");
    assert.equal(peekAssertionSubject(`${part({})}.${part({ sub: 7 })}.sig`), undefined);
    assert.equal(peekAssertionSubject(`${part({})}.${part(["svc"])}.sig`), undefined);
    assert.equal(peekAssertionSubject(`${part({})}.not-json.sig`), undefined);
    assert.equal(peekAssertionSubject("svc"), undefined);
  });
});

describe("checkClientJwks", () => {
  const refused = (value: unknown) =>
    assert.throws(() => checkClientJwks(value), { name: "AuthError", code: "invalid_request" });

  it("keeps the public members and pins each key's algorithm", () => {
    const jwks = checkClientJwks({
      keys: [
        { ...mine.jwk, use: "sig", extra: "dropped" },
        { ...ed.publicKey.export({ format: "jwk" }), kid: "ed" },
      ],
    });

    assert.deepEqual(
      jwks.keys.map((key) => [key.kid, key.alg, Object.keys(key).sort().join(",")]),
      [
        ["mine-1", "ES256", "alg,crv,kid,kty,x,y"],
        ["ed", "EdDSA", "alg,crv,kid,kty,x"],
      ],
    );
  });

  it("refuses a private key, and says nothing of its value", () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const jwk = { ...privateKey.export({ format: "jwk" }), kid: "leak" };

    assert.throws(
      () => checkClientJwks({ keys: [jwk] }),
      (error: Error) => !error.message.includes(String(jwk.d)),
    );
    refused({ keys: [jwk] });
  });

  it("refuses a curve it does not verify with", () => {
    refused({ keys: [{ ...mine.jwk, crv: "Ed25519" }] });
    refused({ keys: [{ kty: "OKP", kid: "x", crv: "P-256", x: "AAAA" }] });
  });

  it("refuses a symmetric key", () => {
    refused({ keys: [{ kty: "oct", kid: "s", k: "c2VjcmV0" }] });
  });

  it("refuses an RSA key shorter than 2048 bits", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });

    refused({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "small" }] });
  });

  it("refuses keys without a kid, with a repeated kid, or an alg that does not fit", () => {
    const { kid: _, ...noKid } = mine.jwk;

    refused({ keys: [noKid] });
    refused({ keys: [mine.jwk, { ...other.jwk, kid: mine.kid }] });
    refused({ keys: [{ ...mine.jwk, alg: "EdDSA" }] });
    refused({ keys: [{ ...mine.jwk, alg: "HS256" }] });
  });

  it("refuses a point that is not on the curve, an empty set and more than eight keys", () => {
    refused({ keys: [{ ...mine.jwk, x: "AAAA" }] });
    refused({ keys: [] });
    refused({ keys: Array.from({ length: 9 }, (_, i) => ({ ...mine.jwk, kid: `k${i}` })) });
    refused([mine.jwk]);
  });
});
