import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSigner } from "fast-jwt";
import { createFixedClock } from "../clock.ts";
import { generateSigningKey, toTokenKey } from "../keys/key-material.ts";
import type { KeyPair } from "../keys/token-keys.ts";
import { staticKeySet } from "../keys/token-keys.ts";
import { createScopeCatalogue, seedScopeDescriptions } from "../scopes.ts";
import type { KeySource } from "../tokens/key-source.ts";
import { createTokenService } from "../tokens/tokens.ts";
import type { ChangeEvent } from "./change-feed.ts";
import type { PublishedEvent } from "./security-event-token.ts";
import {
  createSecurityEventSigner,
  readSecurityEventToken,
  securityEventTypes,
} from "./security-event-token.ts";

const start = Date.UTC(2026, 0, 1);
const issuer = "https://gatehouse.test";
const clock = createFixedClock(start);

function keyPair(algorithm: "EdDSA" | "ES256" = "EdDSA"): KeyPair & { privateKey: string } {
  const key = toTokenKey(generateSigningKey(algorithm, start));
  if (key.algorithm === "HS256" || key.privateKey === undefined) throw new Error("no key pair");
  return { ...key, privateKey: key.privateKey };
}

const key = keyPair();
const signer = createSecurityEventSigner({ keys: staticKeySet(key), issuer, clock });
const keys: KeySource = { find: (kid) => (kid === key.kid ? key : undefined) };
const expected = { keys, issuer, audience: "rs" };
const invalid = { name: "AuthError", code: "token_invalid" } as const;

const events: readonly ChangeEvent[] = [
  { kind: "access_token_revoked", sequence: 1, at: start, tokenId: "jti-1", expiresAt: start + 9 },
  {
    kind: "user_changed",
    sequence: 2,
    at: start + 1,
    username: "johndoe",
    disabled: true,
    tokensValidAfter: start + 1,
  },
  {
    kind: "user_changed",
    sequence: 3,
    at: start + 2,
    username: "alice",
    disabled: false,
    tokensValidAfter: null,
  },
  { kind: "user_deleted", sequence: 4, at: start + 3, username: "alice" },
  { kind: "client_changed", sequence: 5, at: start + 4, clientId: "rs" },
  { kind: "signing_key_changed", sequence: 6, at: start + 5, keyId: "kid-1" },
];

function decode(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
} {
  const [header, payload] = token
    .split(".")
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
  return { header, payload };
}

/** Signs `payload` as a SET with `key`, to forge what the signer would not write. */
function signAs(payload: Record<string, unknown>, typ = "secevent+jwt", signWith = key): string {
  return createSigner({
    key: signWith.privateKey,
    algorithm: signWith.algorithm,
    kid: signWith.kid,
    header: { alg: signWith.algorithm, typ },
  })(payload);
}

describe("security event tokens", () => {
  for (const event of events) {
    it(`reads back the ${event.kind} event it signed`, () => {
      const token = signer.sign(event, "rs");

      assert.deepEqual(readSecurityEventToken(token, expected), event);
    });
  }

  it("reads back a gap in the feed", () => {
    const gap: PublishedEvent = { kind: "feed_gap", sequence: 7, at: start, tokensValidAfter: 5 };

    assert.deepEqual(readSecurityEventToken(signer.sign(gap, "rs"), expected), gap);
  });

  it("types the header secevent+jwt and names the key", () => {
    const { header } = decode(signer.sign(events[0] as ChangeEvent, "rs"));

    assert.deepEqual(header, { alg: "EdDSA", typ: "secevent+jwt", kid: key.kid });
  });

  it("uses CAEP session-revoked for a revoked token, named by its jti", () => {
    const { payload } = decode(signer.sign(events[0] as ChangeEvent, "rs"));

    assert.deepEqual(payload["sub_id"], { format: "jwt_id", iss: issuer, jti: "jti-1" });
    assert.deepEqual(Object.keys(payload["events"] as object), [securityEventTypes.sessionRevoked]);
  });

  it("gives the same event the same jti on every delivery, and another event another", () => {
    const first = decode(signer.sign(events[0] as ChangeEvent, "rs")).payload["jti"];
    const again = decode(signer.sign(events[0] as ChangeEvent, "other")).payload["jti"];
    const other = decode(signer.sign(events[1] as ChangeEvent, "rs")).payload["jti"];

    assert.equal(first, again);
    assert.notEqual(first, other);
  });

  it("refuses a SET addressed to another client", () => {
    const token = signer.sign(events[0] as ChangeEvent, "other");

    assert.throws(() => readSecurityEventToken(token, expected), invalid);
  });

  it("refuses a SET of another issuer", () => {
    const token = signer.sign(events[0] as ChangeEvent, "rs");

    assert.throws(
      () => readSecurityEventToken(token, { ...expected, issuer: "https://other.test" }),
      invalid,
    );
  });

  it("refuses a SET whose signature was tampered with", () => {
    const token = signer.sign(events[1] as ChangeEvent, "rs");
    const [header, payload, signature = ""] = token.split(".");
    const flipped = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;

    assert.throws(
      () => readSecurityEventToken(`${header}.${payload}.${flipped}`, expected),
      invalid,
    );
  });

  it("refuses a SET whose payload was changed after signing", () => {
    const token = signer.sign(events[1] as ChangeEvent, "rs");
    const [header, , signature] = token.split(".");
    const { payload } = decode(token);
    const forged = Buffer.from(JSON.stringify({ ...payload, txn: "99" })).toString("base64url");

    assert.throws(
      () => readSecurityEventToken(`${header}.${forged}.${signature}`, expected),
      invalid,
    );
  });

  it("refuses a SET signed by a key the issuer does not publish", () => {
    const stranger = keyPair();
    const other = createSecurityEventSigner({ keys: staticKeySet(stranger), issuer, clock });

    assert.throws(
      () => readSecurityEventToken(other.sign(events[0] as ChangeEvent, "rs"), expected),
      invalid,
    );
  });

  it("refuses an access token presented as a SET", () => {
    const scopes = createScopeCatalogue(seedScopeDescriptions);
    const tokens = createTokenService({ key, scopes, clock, issuer, audience: "rs" });
    const { token } = tokens.issue("johndoe", scopes.check(["me"]));

    assert.throws(() => readSecurityEventToken(token, expected), invalid);
  });

  it("refuses a SET carrying two events", () => {
    const { payload } = decode(signer.sign(events[3] as ChangeEvent, "rs"));
    const token = signAs({
      ...payload,
      events: { [securityEventTypes.accountPurged]: {}, [securityEventTypes.streamGap]: {} },
    });

    assert.throws(() => readSecurityEventToken(token, expected), invalid);
  });

  it("refuses a revocation whose subject is a user rather than a token id", () => {
    const { payload } = decode(signer.sign(events[0] as ChangeEvent, "rs"));
    const token = signAs({ ...payload, sub_id: { format: "iss_sub", iss: issuer, sub: "x" } });

    assert.throws(() => readSecurityEventToken(token, expected), invalid);
  });

  it("refuses a user event naming a subject of another issuer", () => {
    const { payload } = decode(signer.sign(events[3] as ChangeEvent, "rs"));
    const token = signAs({
      ...payload,
      sub_id: { format: "iss_sub", iss: "https://other.test", sub: "alice" },
    });

    assert.throws(() => readSecurityEventToken(token, expected), invalid);
  });

  it("reads an event type it does not know as other, keeping its position", () => {
    const { payload } = decode(signer.sign(events[4] as ChangeEvent, "rs"));
    const token = signAs({ ...payload, events: { "urn:example:future": {} } });

    assert.deepEqual(readSecurityEventToken(token, expected), {
      kind: "other",
      sequence: 5,
      at: start + 4,
    });
  });

  it("refuses to sign with a shared secret, which a reader could not verify", () => {
    const secret = { kid: "s", algorithm: "HS256", secret: Buffer.alloc(32, 1) } as const;
    const shared = createSecurityEventSigner({ keys: staticKeySet(secret), issuer, clock });

    assert.equal(shared.canSign(), false);
    assert.throws(() => shared.sign(events[0] as ChangeEvent, "rs"), TypeError);
  });

  it("can sign with an asymmetric key", () => {
    assert.equal(signer.canSign(), true);
  });
});
