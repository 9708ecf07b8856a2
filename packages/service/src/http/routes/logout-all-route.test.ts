import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createSigner } from "fast-jwt";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { UserLifecycleDeps } from "gatehouse-auth-core/users/user-lifecycle";
import {
  changePassword,
  disableUser,
  logoutEverywhere,
} from "gatehouse-auth-core/users/user-lifecycle";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import {
  makeTestApp,
  testKeyId,
  testSigningSecret,
} from "../../../../../test/fixtures/test-app.ts";
import { loginForPair, refresh, statusOfMe } from "../../../../../test/fixtures/token-client.ts";

const logoutAll = (t: TestApp, token: string): Promise<Response> =>
  Promise.resolve(
    t.app.request("/users/me/logout-all", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    }),
  );

describe("POST /users/me/logout-all", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(() => t.close());

  it("answers 204 and takes back every access and refresh token issued before", async () => {
    const first = await loginForPair(t.app, "johndoe", "secret");
    const second = await loginForPair(t.app, "johndoe", "secret");
    t.clock.advance(1);

    const response = await logoutAll(t, first.accessToken);

    assert.equal(response.status, 204);
    assert.equal(await response.text(), "");
    for (const pair of [first, second]) {
      assert.equal(await statusOfMe(t.app, pair.accessToken), 401);
      assert.equal((await refresh(t.app, pair.refreshToken)).status, 400);
    }
  });

  it("lets a login right after it work", async () => {
    const before = await loginForPair(t.app, "johndoe", "secret");
    t.clock.advance(1);
    await logoutAll(t, before.accessToken);

    const after = await loginForPair(t.app, "johndoe", "secret");

    assert.equal(await statusOfMe(t.app, after.accessToken), 200);
    assert.equal((await refresh(t.app, after.refreshToken)).status, 200);
  });

  it("needs the me scope", async () => {
    const narrow = await loginForPair(t.app, "johndoe", "secret", "items");

    const response = await logoutAll(t, narrow.accessToken);

    assert.equal(response.status, 403);
    assert.equal(
      await statusOfMe(t.app, (await loginForPair(t.app, "johndoe", "secret")).accessToken),
      200,
    );
  });

  it("needs a token", async () => {
    const response = await t.app.request("/users/me/logout-all", { method: "POST" });

    assert.equal(response.status, 401);
  });
});

describe("the per-user cut-off", () => {
  let t: TestApp;
  let lifecycle: UserLifecycleDeps;
  beforeEach(async () => {
    t = await makeTestApp();
    lifecycle = { users: t.store.users, refreshTokens: t.store.refreshTokens, clock: t.clock };
  });
  afterEach(() => t.close());

  it("refuses a token issued earlier in the same second as a password change, and accepts one issued later in it", async () => {
    t.clock.advance(200);
    const before = await loginForPair(t.app, "johndoe", "secret");
    t.clock.advance(300);
    await changePassword(lifecycle, "johndoe", await t.hasher.hash("new secret"));
    t.clock.advance(300);

    const after = await loginForPair(t.app, "johndoe", "new secret");

    assert.equal(
      Math.floor(t.tokens.verify(before.accessToken).issuedAt),
      t.tokens.verify(after.accessToken).issuedAt,
    );
    assert.equal(await statusOfMe(t.app, before.accessToken), 401);
    assert.equal(await statusOfMe(t.app, after.accessToken), 200);
  });

  it("refuses tokens from before a password change in an earlier second too", async () => {
    const before = await loginForPair(t.app, "johndoe", "secret");
    t.clock.advance(5000);

    await changePassword(lifecycle, "johndoe", "$argon2id$x" as PasswordHash);

    assert.equal(await statusOfMe(t.app, before.accessToken), 401);
    assert.equal((await refresh(t.app, before.refreshToken)).status, 400);
  });

  it("takes back the tokens of a disabled user; re-enabling does not bring them back", async () => {
    const before = await loginForPair(t.app, "johndoe", "secret");
    t.clock.advance(1);
    await disableUser(lifecycle, "johndoe");
    await t.store.users.updateUser("johndoe", { disabled: false });

    assert.equal(await statusOfMe(t.app, before.accessToken), 401);
    assert.equal((await refresh(t.app, before.refreshToken)).status, 400);
  });

  it("answers a disabled user's old token with the seed's Inactive user", async () => {
    const before = await loginForPair(t.app, "johndoe", "secret");
    t.clock.advance(1);

    await disableUser(lifecycle, "johndoe");

    assert.equal(await statusOfMe(t.app, before.accessToken), 400);
  });

  it("refuses a login that came before it in the very same millisecond", async () => {
    const same = await loginForPair(t.app, "johndoe", "secret");

    await logoutEverywhere(lifecycle, "johndoe");

    const record = await t.store.users.findByUsername("johndoe");
    assert.equal(record?.tokensValidAfter, t.tokens.verify(same.accessToken).issuedAtMs + 1);
    assert.equal(await statusOfMe(t.app, same.accessToken), 401);
  });

  for (const [name, extra] of [
    ["without an iat_ms claim", {}],
    ["whose iat_ms disagrees with iat", { iat_ms: 0 }],
  ] as const) {
    it(`reads a token ${name} as issued at the start of its second`, async () => {
      const iat = Math.floor(t.clock.now() / 1000);
      const sign = createSigner({
        key: Buffer.from(testSigningSecret, "utf8"),
        algorithm: "HS256",
        kid: testKeyId,
        header: { alg: "HS256", typ: "at+jwt" },
      });
      const token = sign({
        sub: "johndoe",
        iat,
        exp: iat + 60,
        jti: "legacy",
        scope: "me",
        iss: t.services.settings.issuer,
        aud: t.services.settings.audience,
        ...extra,
      });
      t.clock.advance(500);
      await logoutEverywhere(lifecycle, "johndoe");

      assert.equal(t.tokens.verify(token).issuedAtMs, iat * 1000);
      assert.equal(await statusOfMe(t.app, token), 401);
    });
  }

  it("refuses lifecycle changes for an unknown user with user_not_found", async () => {
    await assert.rejects(logoutEverywhere(lifecycle, "ghost"), { code: "user_not_found" });
  });
});
