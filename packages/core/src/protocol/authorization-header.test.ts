import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseAuthorizationHeader } from "./authorization-header.ts";

describe("parseAuthorizationHeader", () => {
  it("reads a missing or blank header as missing", () => {
    assert.deepEqual(parseAuthorizationHeader(undefined), { kind: "missing" });
    assert.deepEqual(parseAuthorizationHeader("   "), { kind: "missing" });
  });

  it("reads the bearer scheme in any case and trims spaces around the token", () => {
    assert.deepEqual(parseAuthorizationHeader("  bearer   abc.def-_~+/==  "), {
      kind: "bearer",
      token: "abc.def-_~+/==",
    });
  });

  it("reads another scheme as other-scheme", () => {
    assert.deepEqual(parseAuthorizationHeader("Basic Zm9vOmJhcg=="), { kind: "other-scheme" });
    assert.deepEqual(parseAuthorizationHeader("Bearerx abc"), { kind: "other-scheme" });
  });

  it("reads Bearer without a token, or with characters outside b64token, as malformed", () => {
    for (const value of [
      "Bearer",
      "Bearer ",
      "Bearer a b",
      "Bearer a\tb",
      'Bearer "a"',
      "Bearer =a",
    ]) {
      assert.deepEqual(parseAuthorizationHeader(value), { kind: "malformed" }, value);
    }
  });

  it("never throws and only ever yields a b64token as a bearer token", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const header = parseAuthorizationHeader(value);
        if (header.kind === "bearer") assert.match(header.token, /^[A-Za-z0-9\-._~+/]+=*$/);
      }),
    );
  });

  it("gives back any b64token it is handed after the scheme", () => {
    const b64char = fc.constantFrom(..."ABCxyz019-._~+/".split(""));
    fc.assert(
      fc.property(fc.string({ unit: b64char, minLength: 1 }), (token) => {
        assert.deepEqual(parseAuthorizationHeader(`Bearer ${token}`), { kind: "bearer", token });
      }),
    );
  });
});
