import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  generateClientId,
  generateClientSecret,
  hashClientSecret,
  verifyClientSecret,
} from "./client-secrets.ts";

const now = Date.UTC(2026, 0, 1);

describe("client ids and secrets", () => {
  it("makes a 22-character URL-safe client id without a colon, different each time", () => {
    const ids = new Set(Array.from({ length: 50 }, generateClientId));

    assert.equal(ids.size, 50);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  });

  it("starts every client id with a letter or digit, so a command line never reads it as an option", () => {
    const ids = Array.from({ length: 2000 }, generateClientId);

    assert.deepEqual(
      ids.filter((id) => !/^[A-Za-z0-9]/.test(id)),
      [],
    );
  });

  it("makes a 43-character base64url secret whose stored form is its SHA-256 hex", () => {
    const { secret, secretHash } = generateClientSecret();

    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.match(secretHash, /^[0-9a-f]{64}$/);
    assert.equal(secretHash, hashClientSecret(secret));
    assert.notEqual(generateClientSecret().secret, secret);
  });
});

describe("verifyClientSecret", () => {
  const current = generateClientSecret();
  const previous = generateClientSecret();
  const client = {
    secretHash: current.secretHash,
    previousSecretHash: previous.secretHash,
    previousSecretExpiresAt: now + 1000,
  };

  it("accepts the current secret", () => {
    assert.equal(verifyClientSecret(client, current.secret, now), true);
  });

  it("accepts the previous secret before its overlap ends", () => {
    assert.equal(verifyClientSecret(client, previous.secret, now + 999), true);
  });

  it("refuses the previous secret once its overlap has ended", () => {
    assert.equal(verifyClientSecret(client, previous.secret, now + 1000), false);
  });

  it("refuses a wrong secret, an empty one and the stored hash itself", () => {
    assert.equal(verifyClientSecret(client, "wrong", now), false);
    assert.equal(verifyClientSecret(client, "", now), false);
    assert.equal(verifyClientSecret(client, current.secretHash, now), false);
  });

  it("refuses every secret for an unknown client", () => {
    assert.equal(verifyClientSecret(undefined, current.secret, now), false);
  });

  it("refuses every secret for a client without one, such as a public client", () => {
    const publicClient = {
      secretHash: null,
      previousSecretHash: null,
      previousSecretExpiresAt: null,
    };

    assert.equal(verifyClientSecret(publicClient, "", now), false);
    assert.equal(verifyClientSecret(publicClient, current.secret, now), false);
  });

  it("refuses a secret whose stored hash is malformed rather than throwing", () => {
    const broken = { ...client, secretHash: "not-hex", previousSecretHash: null };

    assert.equal(verifyClientSecret(broken, current.secret, now), false);
  });

  it("refuses a previous secret that has no expiry", () => {
    const noExpiry = { ...client, previousSecretExpiresAt: null };

    assert.equal(verifyClientSecret(noExpiry, previous.secret, now), false);
  });
});
