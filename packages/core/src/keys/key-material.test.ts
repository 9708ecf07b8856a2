import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { generateSigningKey, publishedJwk, toTokenKey } from "./key-material.ts";

const now = Date.UTC(2025, 0, 1);

describe("generateSigningKey", () => {
  it("makes an active Ed25519 key with its public JWK and an RFC 7638 thumbprint as kid", () => {
    const key = generateSigningKey("EdDSA", now);

    const jwk = JSON.parse(key.publicJwk ?? "{}");
    const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
    assert.deepEqual(Object.keys(jwk).sort(), ["crv", "kty", "x"]);
    assert.equal(jwk.crv, "Ed25519");
    assert.equal(key.kid, createHash("sha256").update(canonical).digest("base64url"));
    assert.match(key.secret, /^-----BEGIN PRIVATE KEY-----/);
    assert.deepEqual([key.createdAt, key.activatedAt, key.retiresAt], [now, now, null]);
  });

  it("makes a P-256 key for ES256 whose public JWK has x and y only", () => {
    const key = generateSigningKey("ES256", now);

    const jwk = JSON.parse(key.publicJwk ?? "{}");
    assert.deepEqual(Object.keys(jwk).sort(), ["crv", "kty", "x", "y"]);
    assert.equal(jwk.crv, "P-256");
  });

  it("makes a 256-bit secret for HS256 with no public key", () => {
    const key = generateSigningKey("HS256", now);

    assert.equal(Buffer.from(key.secret, "base64url").length, 32);
    assert.equal(key.publicJwk, null);
  });

  it("never makes the same key twice", () => {
    assert.notEqual(generateSigningKey("EdDSA", now).kid, generateSigningKey("EdDSA", now).kid);
  });
});

describe("publishedJwk", () => {
  it("publishes only public members, with kid, alg and use sig", () => {
    const key = generateSigningKey("ES256", now);

    const jwk = publishedJwk(key);

    assert.deepEqual(Object.keys(jwk ?? {}).sort(), ["alg", "crv", "kid", "kty", "use", "x", "y"]);
    assert.equal(jwk?.alg, "ES256");
    assert.equal(jwk?.use, "sig");
  });

  it("derives the published key from the private key, not from the stored public column", () => {
    const key = generateSigningKey("EdDSA", now);
    const other = generateSigningKey("EdDSA", now);

    const jwk = publishedJwk({ ...key, publicJwk: other.publicJwk });

    assert.deepEqual(
      { ...jwk },
      { ...JSON.parse(key.publicJwk ?? ""), kid: key.kid, alg: "EdDSA", use: "sig" },
    );
  });

  it("publishes nothing for a shared secret", () => {
    assert.equal(publishedJwk(generateSigningKey("HS256", now)), undefined);
  });
});

describe("toTokenKey", () => {
  it("refuses stored material of another algorithm than the record claims", () => {
    const ec = generateSigningKey("ES256", now);

    assert.throws(() => toTokenKey({ ...ec, algorithm: "EdDSA" }), TypeError);
  });

  it("gives an HS256 key its secret bytes", () => {
    const key = generateSigningKey("HS256", now);

    const tokenKey = toTokenKey(key);

    assert.equal(
      tokenKey.algorithm === "HS256" && tokenKey.secret.toString("base64url"),
      key.secret,
    );
  });
});
