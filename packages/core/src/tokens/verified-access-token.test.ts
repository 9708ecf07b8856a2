import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createScopeCatalogue, seedScopeDescriptions } from "../scopes.ts";
import type { AccessTokenClaims } from "./claims.ts";
import { readVerifiedAccessToken } from "./verified-access-token.ts";

const scopes = createScopeCatalogue(seedScopeDescriptions);
const claims: AccessTokenClaims = { sub: "johndoe", exp: 1_800, iat: 1_000, scope: "me admin" };

describe("readVerifiedAccessToken", () => {
  it("reads jti as the token id and keeps only catalogue scopes", () => {
    const verified = readVerifiedAccessToken(
      { claims: { ...claims, jti: "abc" }, form: "at+jwt", token: "t" },
      scopes,
    );

    assert.equal(verified.tokenId, "abc");
    assert.deepEqual(verified.scopes, ["me"]);
    assert.equal(verified.issuedAtMs, 1_000_000);
  });

  it("stands a digest of the token in for a missing jti, prefixed legacy- only for FastAPI tokens", () => {
    const own = readVerifiedAccessToken({ claims, form: "at+jwt", token: "t" }, scopes);
    const fastapi = readVerifiedAccessToken({ claims, form: "fastapi", token: "t" }, scopes);

    assert.match(own.tokenId, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(fastapi.tokenId, `legacy-${own.tokenId}`);
  });

  it("reads a FastAPI token's scopes list before its scope string", () => {
    const verified = readVerifiedAccessToken(
      { claims: { ...claims, scopes: ["items"] }, form: "fastapi", token: "t" },
      scopes,
    );

    assert.deepEqual(verified.scopes, ["items"]);
  });

  it("reads an RFC 9068 token's scope string even when it also carries a scopes list", () => {
    const verified = readVerifiedAccessToken(
      { claims: { ...claims, scopes: ["items"] }, form: "at+jwt", token: "t" },
      scopes,
    );

    assert.deepEqual(verified.scopes, ["me"]);
  });
});
