import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createSigner } from "fast-jwt";
import { items, me, seedScopes } from "../../../../test/fixtures/seed-scopes.ts";
import { createFixedClock } from "../clock.ts";
import { isAuthError } from "../errors.ts";
import { deriveKeyId, type SigningKey } from "../keys/token-keys.ts";
import { maxTokenLength } from "./token-verifier.ts";
import {
  createTokenService,
  defaultTokenLifetimeSeconds,
  type TokenServiceOptions,
} from "./tokens.ts";

// 2025-01-01T00:00:00Z: a whole second, so `iat` equals the clock exactly.
const start = Date.UTC(2025, 0, 1);
const startSeconds = start / 1000;
const scopes = seedScopes;

const invalid = { name: "AuthError", code: "token_invalid" } as const;
const expired = { name: "AuthError", code: "token_expired" } as const;

function newKey(secret: Buffer = randomBytes(32)): SigningKey {
  return { kid: deriveKeyId(secret), algorithm: "HS256", secret };
}

function setup(overrides: Partial<TokenServiceOptions> = {}) {
  const key = newKey();
  const clock = createFixedClock(start);
  const tokens = createTokenService({ key, scopes, clock, ...overrides });
  return { key, clock, tokens };
}

const base64url = (text: string): string => Buffer.from(text, "utf8").toString("base64url");

function decodeSegment(token: string, index: number): unknown {
  return JSON.parse(Buffer.from(token.split(".")[index] ?? "", "base64url").toString("utf8"));
}

interface Forgery {
  readonly header?: unknown;
  readonly payload?: unknown;
  /** HMAC digest; "sha512" makes an HS512 signature. */
  readonly digest?: "sha256" | "sha512";
  readonly secret?: Buffer;
}

/** Builds a JWS by hand, so header, payload and signature can be anything at all. */
function forge(key: SigningKey, forgery: Forgery = {}): string {
  const header = "header" in forgery ? forgery.header : headerFor(key);
  const payload = "payload" in forgery ? forgery.payload : claimsFor("johndoe");
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const signature = createHmac(forgery.digest ?? "sha256", forgery.secret ?? key.secret)
    .update(input)
    .digest("base64url");
  return `${input}.${signature}`;
}

function headerFor(key: SigningKey, overrides: Record<string, unknown> = {}) {
  return { alg: "HS256", typ: "at+jwt", kid: key.kid, ...overrides };
}

function claimsFor(sub: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub,
    iat: startSeconds,
    exp: startSeconds + 1800,
    jti: "3f1c0d8e-0000-4000-8000-000000000000",
    scope: "me items",
    ...overrides,
  };
}

function withoutClaim(claim: string): Record<string, unknown> {
  const claims = claimsFor("johndoe");
  delete claims[claim];
  return claims;
}

describe("createTokenService: issuing", () => {
  it("verifies a token it issued back to its subject, scopes, token id and times", () => {
    const { tokens } = setup();
    const issued = tokens.issue("johndoe", [me, items]);

    const verified = tokens.verify(issued.token);

    assert.deepEqual(verified, {
      subject: "johndoe",
      scopes: ["me", "items"],
      tokenId: issued.tokenId,
      issuedAtMs: start,
      issuedAt: startSeconds,
      expiresAt: startSeconds + defaultTokenLifetimeSeconds,
      form: "at+jwt",
    });
  });

  it("reports the granted scopes and the lifetime as expires_in", () => {
    const { tokens } = setup({ lifetimeSeconds: 60 });

    const issued = tokens.issue("johndoe", [items]);

    assert.deepEqual(issued.scopes, ["items"]);
    assert.equal(issued.expiresIn, 60);
  });

  it("uses the seed's 30-minute lifetime by default", () => {
    const { tokens } = setup();

    const issued = tokens.issue("johndoe", [me]);

    assert.equal(defaultTokenLifetimeSeconds, 1800);
    assert.equal(issued.expiresIn, 1800);
  });

  it("gives every token a fresh token id, written as jti", () => {
    const { tokens } = setup();

    const first = tokens.issue("johndoe", [me]);
    const second = tokens.issue("johndoe", [me]);

    assert.notEqual(first.tokenId, second.tokenId);
    assert.equal((decodeSegment(first.token, 1) as { jti: unknown }).jti, first.tokenId);
  });

  it("stamps iat from the clock, rounded down to the second, and exp one lifetime later", () => {
    const { tokens, clock } = setup({ lifetimeSeconds: 60 });
    clock.advance(1999);

    const issued = tokens.issue("johndoe", [me]);

    const claims = decodeSegment(issued.token, 1) as { iat: unknown; exp: unknown };
    assert.equal(claims.iat, startSeconds + 1);
    assert.equal(claims.exp, startSeconds + 61);
  });

  it("writes sub, the scopes space-separated, and no iss or aud when none is configured", () => {
    const { tokens } = setup();

    const issued = tokens.issue("johndoe", [me, items]);

    const claims = decodeSegment(issued.token, 1) as Record<string, unknown>;
    assert.equal(claims["sub"], "johndoe");
    assert.equal(claims["scope"], "me items");
    assert.equal("iss" in claims, false);
    assert.equal("aud" in claims, false);
  });

  it("signs with HS256 and writes typ at+jwt and the key's kid in the header", () => {
    const { tokens, key } = setup();

    const issued = tokens.issue("johndoe", [me]);

    assert.deepEqual(decodeSegment(issued.token, 0), { alg: "HS256", typ: "at+jwt", kid: key.kid });
  });

  it("writes the configured issuer and audience", () => {
    const { tokens } = setup({ issuer: "https://gatehouse.test", audience: "items-api" });

    const issued = tokens.issue("johndoe", [me]);

    const claims = decodeSegment(issued.token, 1) as Record<string, unknown>;
    assert.equal(claims["iss"], "https://gatehouse.test");
    assert.equal(claims["aud"], "items-api");
  });

  it("issues a token with no scopes as an empty scope claim that verifies to no scopes", () => {
    const { tokens } = setup();

    const issued = tokens.issue("johndoe", []);

    assert.deepEqual(tokens.verify(issued.token).scopes, []);
  });
});

describe("createTokenService: construction", () => {
  it("refuses an HS256 secret shorter than 32 bytes", () => {
    const key = newKey(randomBytes(31));

    assert.throws(
      () => createTokenService({ key, scopes, clock: createFixedClock(start) }),
      RangeError,
    );
  });

  it("accepts an HS256 secret of exactly 32 bytes", () => {
    const key = newKey(randomBytes(32));

    const tokens = createTokenService({ key, scopes, clock: createFixedClock(start) });

    assert.equal(typeof tokens.verify, "function");
  });

  for (const lifetimeSeconds of [0, -1, 1.5, Number.NaN]) {
    it(`refuses a token lifetime of ${lifetimeSeconds} seconds`, () => {
      const key = newKey();

      assert.throws(
        () => createTokenService({ key, scopes, clock: createFixedClock(start), lifetimeSeconds }),
        RangeError,
      );
    });
  }

  it("derives a stable 16-character key id that differs between secrets", () => {
    const secret = randomBytes(32);

    const kid = deriveKeyId(secret);

    assert.equal(kid, deriveKeyId(Buffer.from(secret)));
    assert.match(kid, /^[A-Za-z0-9_-]{16}$/);
    assert.notEqual(kid, deriveKeyId(randomBytes(32)));
  });
});

describe("createTokenService: the token edge-case catalogue", () => {
  it("accepts a hand-built token carrying exactly the claims it issues (the forgery baseline)", () => {
    const { tokens, key } = setup();
    const token = forge(key);

    const verified = tokens.verify(token);

    assert.equal(verified.subject, "johndoe");
    assert.deepEqual(verified.scopes, ["me", "items"]);
  });

  describe("time claims", () => {
    it("refuses a token whose exp has passed as token_expired", () => {
      const { tokens, clock } = setup({ lifetimeSeconds: 60 });
      const { token } = tokens.issue("johndoe", [me]);
      clock.advance(61_000);

      assert.throws(() => tokens.verify(token), expired);
    });

    it("refuses a token whose exp is exactly now as token_expired", () => {
      const { tokens, clock } = setup({ lifetimeSeconds: 60 });
      const { token } = tokens.issue("johndoe", [me]);
      clock.advance(60_000);

      assert.throws(() => tokens.verify(token), expired);
    });

    it("accepts a token one millisecond before its exp", () => {
      const { tokens, clock } = setup({ lifetimeSeconds: 60 });
      const { token } = tokens.issue("johndoe", [me]);
      clock.advance(59_999);

      assert.equal(tokens.verify(token).subject, "johndoe");
    });

    it("refuses a token whose nbf is in the future as token_invalid", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: claimsFor("johndoe", { nbf: startSeconds + 1 }) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("accepts a token whose nbf is now", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: claimsFor("johndoe", { nbf: startSeconds }) });

      assert.equal(tokens.verify(token).subject, "johndoe");
    });

    const wrongDates: ReadonlyArray<readonly [string, unknown]> = [
      ["a numeric string", String(startSeconds + 1800)],
      ["a fraction", startSeconds + 1800.5],
      ["negative", -1],
      ["beyond the safe integers", 1e300],
      ["null", null],
      ["a boolean", true],
      ["an array", [startSeconds + 1800]],
    ];
    for (const claim of ["exp", "nbf", "iat"]) {
      for (const [label, value] of wrongDates) {
        it(`refuses a token whose ${claim} is ${label}`, () => {
          const { tokens, key } = setup();
          const token = forge(key, { payload: claimsFor("johndoe", { [claim]: value }) });

          assert.throws(() => tokens.verify(token), invalid);
        });
      }
    }

    it("refuses a token whose iat is a year ahead, even validly signed", () => {
      const { tokens, key } = setup();
      const year = 365 * 86_400;
      const token = forge(key, {
        payload: claimsFor("johndoe", {
          iat: startSeconds + year,
          exp: startSeconds + year + 1800,
        }),
      });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("accepts an iat up to the clock skew ahead, and refuses one a second beyond it", () => {
      const { tokens, key } = setup({ clockSkewSeconds: 5 });
      const at = (iat: number) =>
        forge(key, { payload: claimsFor("johndoe", { iat, exp: iat + 1800 }) });

      assert.equal(tokens.verify(at(startSeconds + 5)).subject, "johndoe");
      assert.throws(() => tokens.verify(at(startSeconds + 6)), invalid);
    });

    it("refuses a token living longer than the longest lifetime, by default the issued one", () => {
      const { tokens, key } = setup({ lifetimeSeconds: 1800 });
      const token = forge(key, { payload: claimsFor("johndoe", { exp: startSeconds + 1801 }) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a longest lifetime below the issued one", () => {
      assert.throws(() => setup({ lifetimeSeconds: 1800, maxLifetimeSeconds: 1799 }), RangeError);
    });

    it("refuses a token without exp", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: withoutClaim("exp") });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token without iat", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: withoutClaim("iat") });

      assert.throws(() => tokens.verify(token), invalid);
    });
  });

  describe("identity claims", () => {
    it("refuses a token without sub", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: withoutClaim("sub") });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token whose sub is empty", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: claimsFor("") });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token whose sub is not a string", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: claimsFor("johndoe", { sub: 42 }) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token whose sub is longer than 256 characters", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: claimsFor("a".repeat(257)) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token without jti", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: withoutClaim("jti") });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token whose scope claim is not a string", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: claimsFor("johndoe", { scope: ["me"] }) });

      assert.throws(() => tokens.verify(token), invalid);
    });
  });

  describe("issuer and audience", () => {
    const configured = { issuer: "https://gatehouse.test", audience: "items-api" } as const;

    it("accepts a token it issued with the configured issuer and audience", () => {
      const { tokens } = setup(configured);
      const { token } = tokens.issue("johndoe", [me]);

      assert.equal(tokens.verify(token).subject, "johndoe");
    });

    it("refuses a token from another issuer", () => {
      const { tokens, key } = setup(configured);
      const payload = claimsFor("johndoe", { iss: "https://evil.test", aud: "items-api" });
      const token = forge(key, { payload });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token without iss when an issuer is configured", () => {
      const { tokens, key } = setup(configured);
      const token = forge(key, { payload: claimsFor("johndoe", { aud: "items-api" }) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token for another audience", () => {
      const { tokens, key } = setup(configured);
      const payload = claimsFor("johndoe", { iss: configured.issuer, aud: "other-api" });
      const token = forge(key, { payload });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token without aud when an audience is configured", () => {
      const { tokens, key } = setup(configured);
      const token = forge(key, { payload: claimsFor("johndoe", { iss: configured.issuer }) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("accepts an aud array that contains the configured audience", () => {
      const { tokens, key } = setup(configured);
      const aud = ["other-api", "items-api"];
      const token = forge(key, { payload: claimsFor("johndoe", { iss: configured.issuer, aud }) });

      assert.equal(tokens.verify(token).subject, "johndoe");
    });

    it("refuses an aud array without the configured audience", () => {
      const { tokens, key } = setup(configured);
      const aud = ["other-api", "items-api-2"];
      const token = forge(key, { payload: claimsFor("johndoe", { iss: configured.issuer, aud }) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses an aud that is neither a string nor an array of strings", () => {
      const { tokens, key } = setup(configured);
      const payload = claimsFor("johndoe", { iss: configured.issuer, aud: { "items-api": true } });
      const token = forge(key, { payload });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("ignores iss and aud when neither is configured", () => {
      const { tokens, key } = setup();
      const payload = claimsFor("johndoe", { iss: "https://anyone.test", aud: ["x"] });
      const token = forge(key, { payload });

      assert.equal(tokens.verify(token).subject, "johndoe");
    });
  });

  describe("header and algorithm", () => {
    it("refuses an unsigned token with alg none", () => {
      const { tokens, key } = setup();
      const header = base64url(JSON.stringify(headerFor(key, { alg: "none" })));
      const payload = base64url(JSON.stringify(claimsFor("johndoe")));

      assert.throws(() => tokens.verify(`${header}.${payload}.`), invalid);
    });

    it("refuses alg none even when a valid HS256 signature is attached", () => {
      const { tokens, key } = setup();
      const token = forge(key, { header: headerFor(key, { alg: "none" }) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token signed with an algorithm outside the allow-list (HS512, same secret)", () => {
      const { tokens, key } = setup();
      const token = forge(key, { header: headerFor(key, { alg: "HS512" }), digest: "sha512" });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token whose header names HS256 but whose signature is HS512", () => {
      const { tokens, key } = setup();
      const token = forge(key, { digest: "sha512" });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token with another kid, even when signed with the right secret", () => {
      const { tokens, key } = setup();
      const token = forge(key, { header: headerFor(key, { kid: "someone-elses-key" }) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token without kid", () => {
      const { tokens, key } = setup();
      const token = forge(key, { header: { alg: "HS256", typ: "at+jwt" } });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token with typ JWT (not an RFC 9068 access token)", () => {
      const { tokens, key } = setup();
      const token = forge(key, { header: headerFor(key, { typ: "JWT" }) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token without typ", () => {
      const { tokens, key } = setup();
      const token = forge(key, { header: { alg: "HS256", kid: key.kid } });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("accepts typ application/at+jwt in any case (RFC 9068 §4)", () => {
      const { tokens, key } = setup();
      const token = forge(key, { header: headerFor(key, { typ: "Application/AT+JWT" }) });

      assert.equal(tokens.verify(token).subject, "johndoe");
    });

    it("refuses a token whose header is a JSON array", () => {
      const { tokens, key } = setup();
      const token = forge(key, { header: ["HS256", "at+jwt", key.kid] });

      assert.throws(() => tokens.verify(token), invalid);
    });
  });

  describe("keys and signatures", () => {
    it("refuses a symmetric token signed with another key under the same kid", () => {
      const { tokens, key } = setup();
      const token = forge(key, { secret: randomBytes(32) });

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token issued by a service with another key", () => {
      const { tokens } = setup();
      const other = setup();
      const { token } = other.tokens.issue("johndoe", [me]);

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses an RS256 token (key confusion)", () => {
      const { tokens, key } = setup();
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const sign = createSigner({
        key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        algorithm: "RS256",
        kid: key.kid,
        header: { alg: "RS256", typ: "at+jwt" },
      });
      const token = sign(claimsFor("johndoe"));

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses an ES256 token (key confusion)", () => {
      const { tokens, key } = setup();
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const sign = createSigner({
        key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        algorithm: "ES256",
        kid: key.kid,
        header: { alg: "ES256", typ: "at+jwt" },
      });
      const token = sign(claimsFor("johndoe"));

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a token with one signature byte flipped", () => {
      const { tokens } = setup();
      const { token } = tokens.issue("johndoe", [me]);
      const [header, payload, signature = ""] = token.split(".");
      const bytes = Buffer.from(signature, "base64url");
      bytes[0] = (bytes[0] ?? 0) ^ 0x01;

      assert.throws(
        () => tokens.verify(`${header}.${payload}.${bytes.toString("base64url")}`),
        invalid,
      );
    });

    it("refuses a token with a truncated signature", () => {
      const { tokens } = setup();
      const { token } = tokens.issue("johndoe", [me]);

      assert.throws(() => tokens.verify(token.slice(0, -4)), invalid);
    });

    it("refuses a token with the signature removed", () => {
      const { tokens } = setup();
      const { token } = tokens.issue("johndoe", [me]);

      assert.throws(() => tokens.verify(token.slice(0, token.lastIndexOf(".") + 1)), invalid);
    });

    it("refuses a token whose payload was changed after signing", () => {
      const { tokens } = setup();
      const { token } = tokens.issue("johndoe", [me]);
      const [header, , signature] = token.split(".");
      const payload = base64url(JSON.stringify(claimsFor("alice")));

      assert.throws(() => tokens.verify(`${header}.${payload}.${signature}`), invalid);
    });
  });

  describe("shape", () => {
    const nonObjects: ReadonlyArray<readonly [string, unknown]> = [
      ["a JSON array", [claimsFor("johndoe")]],
      ["a JSON string", "johndoe"],
      ["a JSON number", 42],
      ["JSON null", null],
    ];
    for (const [label, payload] of nonObjects) {
      it(`refuses a properly signed token whose payload is ${label}`, () => {
        const { tokens, key } = setup();
        const token = forge(key, { payload });

        assert.throws(() => tokens.verify(token), invalid);
      });
    }

    const garbage = [
      "",
      "garbage",
      "a.b",
      "a.b.c",
      "..",
      "...",
      "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig",
      "eyJ.eyJ.=",
      "\u0000.\u0000.\u0000",
      "🔑.🔑.🔑",
    ];
    for (const token of garbage) {
      it(`refuses the garbage string ${JSON.stringify(token)}`, () => {
        const { tokens } = setup();

        assert.throws(() => tokens.verify(token), invalid);
      });
    }

    it("refuses a valid token surrounded by whitespace", () => {
      const { tokens } = setup();
      const { token } = tokens.issue("johndoe", [me]);

      assert.throws(() => tokens.verify(` ${token}\n`), invalid);
    });

    it("refuses a token longer than maxTokenLength unread, even when properly signed", () => {
      const { tokens, key } = setup();
      const payload = claimsFor("johndoe", { padding: "x".repeat(maxTokenLength) });
      const token = forge(key, { payload });

      assert.ok(token.length > maxTokenLength);
      assert.throws(() => tokens.verify(token), invalid);
    });

    it("refuses a string of maxTokenLength + 1 characters", () => {
      const { tokens } = setup();

      assert.throws(() => tokens.verify("a".repeat(maxTokenLength + 1)), invalid);
    });
  });

  describe("scope claim", () => {
    it("drops scope names that are not in the catalogue", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: claimsFor("johndoe", { scope: "admin me root items" }) });

      assert.deepEqual(tokens.verify(token).scopes, ["me", "items"]);
    });

    it("gives no scopes to a token without a scope claim", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: withoutClaim("scope") });

      assert.deepEqual(tokens.verify(token).scopes, []);
    });

    for (const scope of ["me  items", " me", "me\titems", 'me "items"']) {
      it(`refuses a scope claim that is not single-space-separated scope-tokens: ${JSON.stringify(scope)}`, () => {
        const { tokens, key } = setup();
        const token = forge(key, { payload: claimsFor("johndoe", { scope }) });

        assert.throws(() => tokens.verify(token), invalid);
      });
    }

    for (const scopes of [["me items"], ["me", ""], ["items\u0000"]]) {
      it(`refuses a scopes list holding ${JSON.stringify(scopes)}, not splitting an element`, () => {
        const { tokens, key } = setup();
        const token = forge(key, { payload: claimsFor("johndoe", { scopes }) });

        assert.throws(() => tokens.verify(token), invalid);
      });
    }

    it("does not treat Object.prototype names in the scope claim as scopes", () => {
      const { tokens, key } = setup();
      const payload = claimsFor("johndoe", { scope: "constructor toString __proto__ me" });
      const token = forge(key, { payload });

      assert.deepEqual(tokens.verify(token).scopes, ["me"]);
    });
  });

  describe("verification cache", () => {
    it("still refuses a token as expired on a cache hit once the clock passes exp", () => {
      const { tokens, clock } = setup({ lifetimeSeconds: 60 });
      const { token } = tokens.issue("johndoe", [me]);
      tokens.verify(token);
      clock.advance(60_000);

      assert.throws(() => tokens.verify(token), expired);
    });

    it("still refuses a token as not yet valid on a cache hit", () => {
      const { tokens, key } = setup();
      const token = forge(key, { payload: claimsFor("johndoe", { nbf: startSeconds + 10 }) });
      assert.throws(() => tokens.verify(token), invalid);

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("still refuses a forged token the second time it is presented", () => {
      const { tokens, key } = setup();
      const token = forge(key, { secret: randomBytes(32) });
      assert.throws(() => tokens.verify(token), invalid);

      assert.throws(() => tokens.verify(token), invalid);
    });

    it("verifies and expires tokens the same with the cache turned off", () => {
      const { tokens, clock } = setup({ lifetimeSeconds: 60, cacheSize: 0 });
      const { token } = tokens.issue("johndoe", [me]);

      const first = tokens.verify(token);
      const second = tokens.verify(token);
      clock.advance(60_000);

      assert.deepEqual(first, second);
      assert.throws(() => tokens.verify(token), expired);
    });
  });
});

describe("createTokenService: properties", () => {
  const base64urlAlphabet = [
    ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
  ] as const;
  const character = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...base64urlAlphabet) },
    { weight: 1, arbitrary: fc.constantFrom(".", "=", "+", "/", " ", "\n", "\u0000", "é") },
    { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  );
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), char: character }),
    fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), char: character }),
    fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  );

  function mutate(token: string, edits: readonly Edit[]): string {
    let out = token;
    for (const edit of edits) {
      const at = edit.at % (out.length + 1);
      if (edit.kind === "insert") out = out.slice(0, at) + edit.char + out.slice(at);
      else if (edit.kind === "replace") out = out.slice(0, at) + edit.char + out.slice(at + 1);
      else out = out.slice(0, at) + out.slice(at + 1);
    }
    return out;
  }

  it("verifies a mutated token to the identical claims or refuses it with token_invalid/token_expired", () => {
    const { tokens } = setup();
    const { token } = tokens.issue("johndoe", [me, items]);
    const expected = tokens.verify(token);

    const property = fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (edits) => {
      const candidate = mutate(token, edits);
      let verified: unknown;
      try {
        verified = tokens.verify(candidate);
      } catch (error) {
        assert.ok(isAuthError(error), `not an AuthError: ${String(error)}`);
        assert.ok(error.code === "token_invalid" || error.code === "token_expired", error.code);
        return;
      }
      assert.deepEqual(verified, expected);
    });

    fc.assert(property, { numRuns: 1000 });
  });
});

type Edit =
  | { readonly kind: "replace" | "insert"; readonly at: number; readonly char: string }
  | { readonly kind: "delete"; readonly at: number };
