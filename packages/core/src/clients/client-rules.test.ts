import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkAudiences,
  checkClientGrants,
  checkClientName,
  checkGrantTypes,
  checkRedirectUris,
  isValidClientId,
  redirectUriProblem,
} from "./client-rules.ts";

const invalidRequest = { name: "AuthError", code: "invalid_request" };

describe("redirect URI rules", () => {
  for (const uri of [
    "https://app.example.com/callback",
    "https://app.example.com:8443/cb?tenant=1",
    "http://127.0.0.1/callback",
    "http://127.0.0.1:49152/callback",
    "http://[::1]:8080/cb",
    "http://localhost:3000/cb",
    "com.example.app:/oauth2redirect",
  ]) {
    it(`accepts ${uri}`, () => {
      assert.equal(redirectUriProblem(uri), undefined);
    });
  }

  for (const [uri, why] of [
    ["https://app.example.com/cb#frag", "a fragment"],
    ["https://app.example.com/cb#", "an empty fragment"],
    ["/callback", "a relative reference"],
    ["http://app.example.com/cb", "http on a public host"],
    ["http://127.0.0.2.example.com/cb", "http on a host that only starts like loopback"],
    ["https://user:pw@app.example.com/cb", "user information"],
    ["javascript:alert(1)", "the javascript scheme"],
    ["data:text/html,hi", "the data scheme"],
    ["myapp:/cb", "a private-use scheme not in reverse-domain form"],
    ["https://app.example.com/a b", "whitespace"],
    [`https://app.example.com/${"a".repeat(2048)}`, "more than 2048 characters"],
  ]) {
    it(`refuses a URI with ${why}`, () => {
      assert.equal(typeof redirectUriProblem(uri ?? ""), "string");
    });
  }

  it("drops duplicates and names the refused URI", () => {
    assert.deepEqual(checkRedirectUris(["https://a.example/cb", "https://a.example/cb"]), [
      "https://a.example/cb",
    ]);
    assert.throws(() => checkRedirectUris(["https://a.example/cb#x"]), invalidRequest);
  });

  it("refuses more than 16 redirect URIs", () => {
    const uris = Array.from({ length: 17 }, (_, i) => `https://a.example/cb${i}`);

    assert.throws(() => checkRedirectUris(uris), invalidRequest);
  });
});

describe("grant rules", () => {
  it("refuses client_credentials for a public client", () => {
    assert.throws(
      () =>
        checkClientGrants({ type: "public", grantTypes: ["client_credentials"], redirectUris: [] }),
      invalidRequest,
    );
  });

  it("refuses authorization_code without a redirect URI", () => {
    assert.throws(
      () =>
        checkClientGrants({
          type: "confidential",
          grantTypes: ["authorization_code"],
          redirectUris: [],
        }),
      invalidRequest,
    );
  });

  it("accepts a public client with the authorization-code grant and a redirect URI", () => {
    checkClientGrants({
      type: "public",
      grantTypes: ["authorization_code", "refresh_token"],
      redirectUris: ["http://127.0.0.1/cb"],
    });
  });

  it("checks grant type names and drops duplicates", () => {
    assert.deepEqual(checkGrantTypes(["password", "password", "refresh_token"]), [
      "password",
      "refresh_token",
    ]);
    assert.throws(() => checkGrantTypes(["implicit"]), invalidRequest);
  });
});

describe("names, ids and audiences", () => {
  it("accepts a name of 1 to 128 characters and refuses blank, longer or control-character names", () => {
    assert.equal(checkClientName("Reporting job ✓"), "Reporting job ✓");
    assert.equal(checkClientName("é".repeat(128)), "é".repeat(128));
    for (const name of ["", "   ", "x".repeat(129), "bad\nname", "bell\u0007"]) {
      assert.throws(() => checkClientName(name), invalidRequest);
    }
  });

  it("accepts URL-safe client ids and refuses a colon, a space or an empty id", () => {
    assert.equal(isValidClientId("aZ09-_.~"), true);
    for (const id of ["", "a:b", "a b", "x".repeat(129), "é"]) {
      assert.equal(isValidClientId(id), false);
    }
  });

  it("checks audiences and drops duplicates", () => {
    assert.deepEqual(checkAudiences(["https://api.example.com", "https://api.example.com"]), [
      "https://api.example.com",
    ]);
    for (const audience of ["", "has space", "x".repeat(2049)]) {
      assert.throws(() => checkAudiences([audience]), invalidRequest);
    }
    const many = Array.from({ length: 17 }, (_, i) => `aud${i}`);
    assert.throws(() => checkAudiences(many), invalidRequest);
  });
});
