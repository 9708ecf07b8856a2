// Property-based and cache-related checks of the token verifier; mutations come from fast-check.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createSigner } from "fast-jwt";
import { createFixedClock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import { createScopeCatalogue, seedScopeDescriptions } from "../scopes.ts";
import type { TokenServiceOptions } from "./tokens.ts";
import { createTokenService } from "./tokens.ts";
import type { VerifiedAccessToken } from "./verified-access-token.ts";

const scopes = createScopeCatalogue(seedScopeDescriptions);
const secret = Buffer.alloc(32, 9);
const key = { kid: "k1", algorithm: "HS256", secret } as const;
const start = Date.UTC(2026, 0, 1);
const nowSeconds = start / 1000;

function service(overrides: Partial<TokenServiceOptions> = {}) {
  const clock = createFixedClock(start);
  return { clock, tokens: createTokenService({ key, scopes, clock, ...overrides }) };
}

/** Signs arbitrary claims with the service's own key and header, as a forger with the key could. */
function signed(claims: Record<string, unknown>): string {
  const sign = createSigner({
    key: secret,
    algorithm: "HS256",
    kid: "k1",
    header: { alg: "HS256", typ: "at+jwt" },
  });
  return sign({ sub: "johndoe", iat: nowSeconds, exp: nowSeconds + 60, jti: "j1", ...claims });
}

/** A token after one random edit: a character replaced, inserted or removed, or a cut. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant("replace"),
    at: fc.nat(),
    char: fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
  }),
  fc.record({
    kind: fc.constant("insert"),
    at: fc.nat(),
    char: fc.string({ minLength: 1, maxLength: 3, unit: "binary" }),
  }),
  fc.record({ kind: fc.constant("delete"), at: fc.nat(), char: fc.constant("") }),
  fc.record({ kind: fc.constant("truncate"), at: fc.nat(), char: fc.constant("") }),
);

function mutate(token: string, edit: { kind: string; at: number; char: string }): string {
  const at = edit.at % (token.length + 1);
  switch (edit.kind) {
    case "replace":
      return token.slice(0, at) + edit.char + token.slice(at + 1);
    case "insert":
      return token.slice(0, at) + edit.char + token.slice(at);
    case "delete":
      return token.slice(0, at) + token.slice(at + 1);
    default:
      return token.slice(0, at);
  }
}

describe("the token verifier under random mutation", () => {
  it("never verifies a mutated token to other claims, and throws nothing but AuthError", () => {
    const { tokens } = service();
    const { token } = tokens.issue("johndoe", scopes.check(["me"]));
    const original: VerifiedAccessToken = tokens.verify(token);

    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (edits) => {
        const mutated = edits.reduce(mutate, token);
        try {
          // Base64url's last character carries spare bits, so an edit there may decode to the
          // very same bytes: then, and only then, the token may still verify, unchanged.
          assert.deepEqual(tokens.verify(mutated), original);
        } catch (error) {
          assert.ok(error instanceof AuthError, String(error));
          assert.ok(["token_invalid", "token_expired"].includes(error.code));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("throws nothing but AuthError token_invalid for arbitrary strings", () => {
    const { tokens } = service();

    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 5000 }), (input) => {
        assert.throws(() => tokens.verify(input), { name: "AuthError", code: "token_invalid" });
      }),
    );
  });

  it("refuses tokens whose three parts come from different valid tokens", () => {
    const { tokens } = service();
    const a = tokens.issue("johndoe", scopes.check(["me"])).token.split(".");
    const b = tokens.issue("alice", scopes.check(["me", "items"])).token.split(".");

    assert.throws(() => tokens.verify(`${a[0]}.${b[1]}.${a[2]}`), { code: "token_invalid" });
    assert.throws(() => tokens.verify(`${b[0]}.${a[1]}.${b[2]}`), { code: "token_invalid" });
  });
});

describe("the verified-token cache", () => {
  it("still refuses a cached token once it has expired", () => {
    const { tokens, clock } = service({ lifetimeSeconds: 60 });
    const { token } = tokens.issue("johndoe", scopes.check(["me"]));
    tokens.verify(token);

    clock.advance(60_000);

    assert.throws(() => tokens.verify(token), { name: "AuthError", code: "token_expired" });
  });

  it("refuses a token before its nbf and accepts the same token after it", () => {
    const { tokens, clock } = service();
    const token = signed({ nbf: nowSeconds + 10, exp: nowSeconds + 600 });

    assert.throws(() => tokens.verify(token), { name: "AuthError", code: "token_invalid" });
    clock.advance(10_000);

    assert.equal(tokens.verify(token).subject, "johndoe");
  });

  it("checks tokens in full on every call when the cache is off", () => {
    const { tokens } = service({ cacheSize: 0 });
    const { token } = tokens.issue("johndoe", scopes.check(["me"]));

    assert.deepEqual(tokens.verify(token), tokens.verify(token));
  });
});

describe("issuer and audience checks", () => {
  it("refuses a token from another issuer", () => {
    const { tokens } = service({ issuer: "https://gatehouse.test" });

    assert.throws(() => tokens.verify(signed({ iss: "https://other.test" })), {
      code: "token_invalid",
    });
  });

  it("refuses a token for another audience, and accepts one listing ours among others", () => {
    const { tokens } = service({ audience: "api" });

    assert.throws(() => tokens.verify(signed({ aud: "other" })), { code: "token_invalid" });
    assert.throws(() => tokens.verify(signed({})), { code: "token_invalid" });
    assert.equal(tokens.verify(signed({ aud: ["other", "api"] })).subject, "johndoe");
  });

  it("refuses claims of the wrong type and a header with the wrong kid", () => {
    const { tokens } = service();
    const otherKid = createSigner({
      key: secret,
      algorithm: "HS256",
      kid: "k2",
      header: { alg: "HS256", typ: "at+jwt" },
    })({ sub: "johndoe", iat: nowSeconds, exp: nowSeconds + 60, jti: "j" });

    assert.throws(() => tokens.verify(signed({ scope: 42 })), { code: "token_invalid" });
    assert.throws(() => tokens.verify(otherKid), { code: "token_invalid" });
  });
});
