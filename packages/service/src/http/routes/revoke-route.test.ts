import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import type { TokenPair } from "../../../../../test/fixtures/token-client.ts";
import {
  loginForPair,
  refresh,
  revoke,
  statusOfMe,
} from "../../../../../test/fixtures/token-client.ts";

describe("POST /revoke", () => {
  let t: TestApp;
  let login: TokenPair;
  beforeEach(async () => {
    t = await makeTestApp();
    login = await loginForPair(t.app, "johndoe", "secret");
  });
  afterEach(() => t.close());

  it("revokes a refresh token and with it every token of its family", async () => {
    const next = await refresh(t.app, login.refreshToken);

    const response = await revoke(t.app, { token: String(next.body["refresh_token"]) });

    assert.equal(response.status, 200);
    assert.equal(await response.text(), "");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal((await refresh(t.app, String(next.body["refresh_token"]))).status, 400);
  });

  it("leaves the user's other logins alone when revoking one refresh token", async () => {
    const other = await loginForPair(t.app, "johndoe", "secret");

    await revoke(t.app, { token: login.refreshToken, token_type_hint: "refresh_token" });

    assert.equal((await refresh(t.app, other.refreshToken)).status, 200);
  });

  it("revokes an access token: refused at once, other tokens unaffected", async () => {
    const other = await loginForPair(t.app, "johndoe", "secret");

    const response = await revoke(t.app, { token: login.accessToken });

    assert.equal(response.status, 200);
    assert.equal(await statusOfMe(t.app, login.accessToken), 401);
    assert.equal(await statusOfMe(t.app, other.accessToken), 200);
  });

  it("keeps a revoked access token refused until it expires, then forgets it", async () => {
    await revoke(t.app, { token: login.accessToken, token_type_hint: "access_token" });
    const { tokenId } = t.tokens.verify(login.accessToken);
    t.clock.advance(30 * 60 * 1000);

    const fresh = await loginForPair(t.app, "johndoe", "secret");
    await revoke(t.app, { token: fresh.accessToken });

    assert.equal(await t.store.denylist.isAccessTokenDenied(tokenId), false);
  });

  it("answers 200 for an unknown refresh token", async () => {
    const response = await revoke(t.app, { token: "B".repeat(43) });

    assert.equal(response.status, 200);
  });

  it("answers 200 for a malformed, forged or expired access token", async () => {
    const [header, , signature] = login.accessToken.split(".");
    const forged = `${header}.${Buffer.from('{"sub":"alice"}').toString("base64url")}.${signature}`;
    t.clock.advance(31 * 60 * 1000);

    for (const token of ["not a token", forged, login.accessToken]) {
      const response = await revoke(t.app, { token });
      assert.equal(response.status, 200, token);
    }
  });

  it("ignores an unknown token_type_hint and still revokes", async () => {
    await revoke(t.app, { token: login.accessToken, token_type_hint: "saml" });

    assert.equal(await statusOfMe(t.app, login.accessToken), 401);
  });

  it("answers a missing token with 400 invalid_request", async () => {
    const response = await revoke(t.app, { token_type_hint: "access_token" });

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, "invalid_request");
  });

  it("answers a repeated token parameter with 400 invalid_request", async () => {
    const body = new URLSearchParams([
      ["token", login.accessToken],
      ["token", login.refreshToken],
    ]);

    const response = await t.app.request("/revoke", { method: "POST", body });

    assert.equal(response.status, 400);
    assert.equal(await statusOfMe(t.app, login.accessToken), 200);
  });

  it("answers a body that is not a form with 400 invalid_request", async () => {
    const response = await t.app.request("/revoke", {
      method: "POST",
      body: JSON.stringify({ token: login.accessToken }),
      headers: { "content-type": "application/json" },
    });

    assert.equal(response.status, 400);
  });

  it("answers a token longer than any this service issues with 400 invalid_request", async () => {
    const response = await revoke(t.app, { token: "x".repeat(5000) });

    assert.equal(response.status, 400);
  });

  it("answers an oversized body with 413", async () => {
    const response = await revoke(t.app, { token: "x".repeat(20_000) });

    assert.equal(response.status, 413);
  });
});
