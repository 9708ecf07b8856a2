import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { logoutEverywhere } from "gatehouse-auth-core/users/user-lifecycle";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import type { TokenPair } from "../../../../../test/fixtures/token-client.ts";
import {
  introspect,
  loginForPair,
  refreshForPair,
  revoke,
} from "../../../../../test/fixtures/token-client.ts";

describe("POST /introspect", () => {
  let t: TestApp;
  let caller: string;
  let login: TokenPair;
  before(async () => {
    t = await makeTestApp();
    await t.store.users.createUser({
      username: "resource-server",
      scopes: ["introspect"],
      passwordHash: await t.hasher.hash("rs-secret"),
    });
  });
  beforeEach(async () => {
    await t.store.users.updateUser("johndoe", { disabled: false, scopes: ["me", "items"] });
    t.clock.advance(1000);
    caller = (await loginForPair(t.app, "resource-server", "rs-secret")).accessToken;
    login = await loginForPair(t.app, "johndoe", "secret");
  });
  after(() => t.close());

  it("describes an active access token with its claims", async () => {
    const claims = t.tokens.verify(login.accessToken);

    const answer = await introspect(t.app, caller, { token: login.accessToken });

    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      active: true,
      token_type: "bearer",
      scope: "me items",
      sub: "johndoe",
      username: "johndoe",
      exp: claims.expiresAt,
      iat: claims.issuedAt,
      jti: claims.tokenId,
    });
  });

  it("describes an active refresh token without a jti", async () => {
    const answer = await introspect(t.app, caller, {
      token: login.refreshToken,
      token_type_hint: "refresh_token",
    });

    assert.equal(answer.body["active"], true);
    assert.equal(answer.body["token_type"], "refresh_token");
    assert.equal(answer.body["sub"], "johndoe");
    assert.equal(answer.body["scope"], "me items");
    assert.equal(answer.body["jti"], undefined);
    assert.equal(answer.body["exp"], Math.floor((t.clock.now() + 7 * 24 * 60 * 60 * 1000) / 1000));
  });

  const inactiveCases: readonly [string, () => Promise<string>][] = [
    [
      "an expired access token",
      async () => {
        const token = login.accessToken;
        t.clock.advance(30 * 60 * 1000);
        caller = (await loginForPair(t.app, "resource-server", "rs-secret")).accessToken;
        return token;
      },
    ],
    [
      "a revoked access token",
      async () => {
        await revoke(t.app, { token: login.accessToken });
        return login.accessToken;
      },
    ],
    [
      "an access token from before a log out everywhere",
      async () => {
        t.clock.advance(1);
        await logoutEverywhere(
          { users: t.store.users, refreshTokens: t.store.refreshTokens, clock: t.clock },
          "johndoe",
        );
        return login.accessToken;
      },
    ],
    [
      "an access token of a disabled user",
      async () => {
        await t.store.users.updateUser("johndoe", { disabled: true });
        return login.accessToken;
      },
    ],
    [
      "a refresh token of a disabled user",
      async () => {
        await t.store.users.updateUser("johndoe", { disabled: true });
        return login.refreshToken;
      },
    ],
    ["a forged access token", async () => `${login.accessToken.slice(0, -4)}AAAA`],
    ["an unknown refresh token", async () => "C".repeat(43)],
    [
      "a spent refresh token",
      async () => {
        await refreshForPair(t.app, login.refreshToken);
        return login.refreshToken;
      },
    ],
    [
      "a revoked refresh token",
      async () => {
        await revoke(t.app, { token: login.refreshToken });
        return login.refreshToken;
      },
    ],
    [
      "an idle-expired refresh token",
      async () => {
        t.clock.advance(7 * 24 * 60 * 60 * 1000);
        caller = (await loginForPair(t.app, "resource-server", "rs-secret")).accessToken;
        return login.refreshToken;
      },
    ],
    ["something that is no token", async () => "hello"],
  ];

  for (const [name, arrange] of inactiveCases) {
    it(`answers only {"active": false} for ${name}`, async () => {
      const token = await arrange();

      const answer = await introspect(t.app, caller, { token });

      assert.equal(answer.status, 200);
      assert.deepEqual(answer.body, { active: false });
    });
  }

  it("refuses a caller without a token with 401 and a bare challenge", async () => {
    const response = await t.app.request("/introspect", {
      method: "POST",
      body: new URLSearchParams({ token: login.accessToken }),
    });

    assert.equal(response.status, 401);
    assert.equal(response.headers.get("www-authenticate"), "Bearer");
  });

  it("refuses a caller whose token lacks the introspect scope with 403", async () => {
    const response = await t.app.request("/introspect", {
      method: "POST",
      body: new URLSearchParams({ token: login.accessToken }),
      headers: { authorization: `Bearer ${login.accessToken}` },
    });

    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get("www-authenticate"),
      'Bearer error="insufficient_scope", scope="introspect"',
    );
  });

  it("does not grant the demo user introspect even when asked for it", async () => {
    const asked = await loginForPair(t.app, "johndoe", "secret", "me introspect");

    assert.deepEqual(t.tokens.verify(asked.accessToken).scopes, ["me"]);
  });

  it("answers a missing token parameter with 400 invalid_request", async () => {
    const answer = await introspect(t.app, caller, {});

    assert.equal(answer.status, 400);
    assert.equal(answer.body["error"], "invalid_request");
  });

  it("answers an oversized body with 413", async () => {
    const answer = await introspect(t.app, caller, { token: "x".repeat(20_000) });

    assert.equal(answer.status, 413);
  });
});
