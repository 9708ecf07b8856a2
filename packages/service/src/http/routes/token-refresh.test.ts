import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { hashRefreshToken } from "gatehouse-auth-core/tokens/refresh-tokens";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import type { TokenPair } from "../../../../../test/fixtures/token-client.ts";
import {
  loginForPair,
  refresh,
  refreshForPair,
  statusOfMe,
} from "../../../../../test/fixtures/token-client.ts";

const second = 1000;
const day = 24 * 60 * 60 * second;
const invalidGrant = {
  error: "invalid_grant",
  error_description: "Invalid refresh token",
  detail: "Invalid refresh token",
};

describe("POST /token with grant_type=refresh_token", () => {
  let t: TestApp;
  let login: TokenPair;
  beforeEach(async () => {
    t = await makeTestApp({
      refreshPolicy: {
        absoluteLifetimeSeconds: 30 * 86_400,
        idleLifetimeSeconds: 7 * 86_400,
        reuseGraceSeconds: 10,
      },
    });
    login = await loginForPair(t.app, "johndoe", "secret");
  });
  afterEach(() => t.close());

  it("gives the password grant a 256-bit opaque refresh token, stored only as its hash", async () => {
    const record = await t.store.refreshTokens.findRefreshToken(
      hashRefreshToken(login.refreshToken),
    );

    assert.match(login.refreshToken, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(login.refreshToken, "base64url").length, 32);
    assert.equal(record?.state, "active");
    assert.equal(await t.store.refreshTokens.findRefreshToken(login.refreshToken), undefined);
  });

  it("answers a new access token and a new refresh token, with no-store", async () => {
    const response = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: login.refreshToken }),
    });

    assert.equal(response.status, 200);
    assert.equal(response.headers.get("cache-control"), "no-store");
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body["token_type"], "bearer");
    assert.equal(body["scope"], "me items");
    assert.equal(body["expires_in"], 1800);
    assert.notEqual(body["refresh_token"], login.refreshToken);
    assert.equal(await statusOfMe(t.app, String(body["access_token"])), 200);
  });

  it("chains: each new refresh token refreshes in turn", async () => {
    const first = await refreshForPair(t.app, login.refreshToken);
    t.clock.advance(60 * second);

    const again = await refresh(t.app, first.refreshToken);

    assert.equal(again.status, 200);
  });

  it("revokes the whole family when a spent refresh token is presented after the grace window", async () => {
    const next = await refreshForPair(t.app, login.refreshToken);
    t.clock.advance(10 * second);

    const reuse = await refresh(t.app, login.refreshToken);
    const descendant = await refresh(t.app, next.refreshToken);

    assert.equal(reuse.status, 400);
    assert.deepEqual(reuse.body, invalidGrant);
    assert.equal(descendant.status, 400);
    assert.deepEqual(descendant.body, invalidGrant);
  });

  it("lets the previous token be retried once within the grace window, from the same family", async () => {
    const lost = await refreshForPair(t.app, login.refreshToken);
    t.clock.advance(9 * second);

    const retry = await refresh(t.app, login.refreshToken);

    assert.equal(retry.status, 200);
    const retried = String(retry.body["refresh_token"]);
    const before = await t.store.refreshTokens.findRefreshToken(
      hashRefreshToken(login.refreshToken),
    );
    const after = await t.store.refreshTokens.findRefreshToken(hashRefreshToken(retried));
    assert.equal(after?.familyId, before?.familyId);
    assert.equal((await refresh(t.app, retried)).status, 200);
    // The successor the retry replaced was never delivered; presenting it counts as reuse.
    assert.equal((await refresh(t.app, lost.refreshToken)).status, 400);
  });

  it("discards the unused successor on a retry, so presenting it revokes the family", async () => {
    const lost = await refreshForPair(t.app, login.refreshToken);
    const retry = await refresh(t.app, login.refreshToken);

    const stale = await refresh(t.app, lost.refreshToken);
    const current = await refresh(t.app, String(retry.body["refresh_token"]));

    assert.equal(stale.status, 400);
    assert.equal(current.status, 400);
  });

  it("refuses a grace retry of a family older than the user's cut-off", async () => {
    await refreshForPair(t.app, login.refreshToken);
    t.clock.advance(1);
    // Set directly, without revoking the family, to prove the cut-off holds on its own.
    await t.store.users.updateUser("johndoe", { tokensValidAfter: t.clock.now() });

    const retry = await refresh(t.app, login.refreshToken);

    assert.deepEqual(retry.body, invalidGrant);
  });

  it("refuses an active refresh token of a family older than the user's cut-off", async () => {
    t.clock.advance(1);
    await t.store.users.updateUser("johndoe", { tokensValidAfter: t.clock.now() });

    assert.deepEqual((await refresh(t.app, login.refreshToken)).body, invalidGrant);
  });

  it("allows the grace retry only once", async () => {
    await refreshForPair(t.app, login.refreshToken);
    await refreshForPair(t.app, login.refreshToken);

    const third = await refresh(t.app, login.refreshToken);

    assert.equal(third.status, 400);
    assert.deepEqual(third.body, invalidGrant);
  });

  it("refuses a retry of a token whose successor was already used, and revokes the family", async () => {
    const next = await refreshForPair(t.app, login.refreshToken);
    const latest = await refreshForPair(t.app, next.refreshToken);

    const retry = await refresh(t.app, login.refreshToken);

    assert.equal(retry.status, 400);
    assert.equal((await refresh(t.app, latest.refreshToken)).status, 400);
  });

  it("narrows the access token's scope when asked, and the family keeps its own", async () => {
    const narrowed = await refresh(t.app, login.refreshToken, "me");

    assert.equal(narrowed.status, 200);
    assert.equal(narrowed.body["scope"], "me");
    const widened = await refresh(t.app, String(narrowed.body["refresh_token"]));
    assert.equal(widened.body["scope"], "me items");
  });

  it("refuses to widen the scope with invalid_scope and leaves the token unspent", async () => {
    const narrow = await loginForPair(t.app, "johndoe", "secret", "me");

    const widened = await refresh(t.app, narrow.refreshToken, "me items");
    const after = await refresh(t.app, narrow.refreshToken);

    assert.equal(widened.status, 400);
    assert.equal(widened.body["error"], "invalid_scope");
    assert.equal(after.status, 200);
    assert.equal(after.body["scope"], "me");
  });

  it("refuses a scope the catalogue does not declare with invalid_scope", async () => {
    const response = await refresh(t.app, login.refreshToken, "admin");

    assert.equal(response.status, 400);
    assert.equal(response.body["error"], "invalid_scope");
  });

  it("drops a scope the user lost since the login", async () => {
    await t.store.users.updateUser("johndoe", { scopes: ["me"] });

    const response = await refresh(t.app, login.refreshToken);

    assert.equal(response.body["scope"], "me");
  });

  it("refuses an unknown refresh token with invalid_grant", async () => {
    const response = await refresh(t.app, "A".repeat(43));

    assert.equal(response.status, 400);
    assert.deepEqual(response.body, invalidGrant);
  });

  it("refuses something that is not a refresh token at all with invalid_grant", async () => {
    const response = await refresh(t.app, login.accessToken);

    assert.equal(response.status, 400);
    assert.deepEqual(response.body, invalidGrant);
  });

  it("answers a missing refresh_token field with a 422 naming it", async () => {
    const response = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token" }),
    });

    assert.equal(response.status, 422);
    const body = (await response.json()) as { detail: { loc: string[] }[] };
    assert.deepEqual(body.detail[0]?.loc, ["body", "refresh_token"]);
  });

  it("refuses the refresh token of a disabled user with Inactive user", async () => {
    await t.store.users.updateUser("johndoe", { disabled: true });

    const response = await refresh(t.app, login.refreshToken);

    assert.equal(response.status, 400);
    assert.equal(response.body["error"], "invalid_grant");
    assert.equal(response.body["detail"], "Inactive user");
  });

  it("refuses the refresh token of a deleted user", async () => {
    await t.store.users.deleteUser("johndoe");

    assert.deepEqual((await refresh(t.app, login.refreshToken)).body, invalidGrant);
  });

  it("refuses a refresh token of a deleted user's namesake created later", async () => {
    const record = await t.store.refreshTokens.findRefreshToken(
      hashRefreshToken(login.refreshToken),
    );
    const user = await t.store.users.findByUsername("johndoe");
    assert.ok(record && user);
    // Memory store: drop and recreate the user without dropping the family, as a foreign
    // adapter without cascading deletes would.
    const original = t.store.users.findByUsername;
    t.store.users.findByUsername = async (name) =>
      name === "johndoe" ? { ...user, createdAt: record.familyCreatedAt + 1 } : original(name);

    const response = await refresh(t.app, login.refreshToken);

    t.store.users.findByUsername = original;
    assert.deepEqual(response.body, invalidGrant);
  });

  it("refuses a refresh token idle for longer than the idle lifetime", async () => {
    t.clock.advance(7 * day);

    assert.deepEqual((await refresh(t.app, login.refreshToken)).body, invalidGrant);
  });

  it("accepts a refresh token used just within the idle lifetime", async () => {
    t.clock.advance(7 * day - 1);

    assert.equal((await refresh(t.app, login.refreshToken)).status, 200);
  });

  it("ends the family at its absolute lifetime however often it was used", async () => {
    let current = login.refreshToken;
    for (let i = 0; i < 4; i++) {
      t.clock.advance(6 * day);
      current = (await refreshForPair(t.app, current)).refreshToken;
    }
    t.clock.advance(6 * day - 1);
    const lastValid = await refresh(t.app, current);
    t.clock.advance(1);

    const expired = await refresh(t.app, String(lastValid.body["refresh_token"]));

    assert.equal(lastValid.status, 200);
    assert.deepEqual(expired.body, invalidGrant);
  });

  it("writes every refresh to the audit trail: refreshed, failed and reuse detected", async () => {
    const response = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: login.refreshToken }),
    });
    t.clock.advance(10 * second);
    await refresh(t.app, login.refreshToken);
    await refresh(t.app, "A".repeat(43));

    const { events } = await t.store.audit.list({ limit: 3 });
    assert.deepEqual(
      events.map((e) => [e.type, e.subject, e.reason]),
      [
        ["token.refresh_failed", null, "refresh_token_invalid"],
        ["token.reuse_detected", "johndoe", "refresh_token_invalid"],
        ["token.refreshed", "johndoe", null],
      ],
    );
    assert.equal(events[2]?.requestId, response.headers.get("x-request-id"));
    assert.ok(!JSON.stringify(events).includes(login.refreshToken));
  });

  it("counts no refresh as a login in the metrics", async () => {
    await refresh(t.app, login.refreshToken);

    const metrics = await (await t.app.request("/metrics")).text();
    assert.match(metrics, /gatehouse_logins_total\{outcome="succeeded"\} 1\b/);
  });

  it("lets exactly one of two concurrent refreshes with the same token rotate it", async () => {
    const results = await Promise.all([
      refresh(t.app, login.refreshToken),
      refresh(t.app, login.refreshToken),
    ]);

    // With the grace window on, the loser counts as a retry: both answer, one family head remains.
    const tokens = results.map((result) => String(result.body["refresh_token"]));
    const states = await Promise.all(
      tokens.map(
        async (token) =>
          (await t.store.refreshTokens.findRefreshToken(hashRefreshToken(token)))?.state,
      ),
    );
    assert.deepEqual(states.sort(), ["active", "discarded"]);
  });
});

describe("the refresh grant with the grace window turned off", () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({
      refreshPolicy: {
        absoluteLifetimeSeconds: 30 * 86_400,
        idleLifetimeSeconds: 7 * 86_400,
        reuseGraceSeconds: 0,
      },
    });
  });
  afterEach(() => t.close());

  it("revokes the family on the first reuse, however soon", async () => {
    const login = await loginForPair(t.app, "johndoe", "secret");
    const next = await refreshForPair(t.app, login.refreshToken);

    const reuse = await refresh(t.app, login.refreshToken);

    assert.deepEqual(reuse.body, invalidGrant);
    assert.equal((await refresh(t.app, next.refreshToken)).status, 400);
  });

  it("lets only one of two concurrent refreshes with the same token succeed", async () => {
    const login = await loginForPair(t.app, "johndoe", "secret");

    const results = await Promise.all([
      refresh(t.app, login.refreshToken),
      refresh(t.app, login.refreshToken),
    ]);

    assert.deepEqual(results.map((result) => result.status).sort(), [200, 400]);
  });
});

describe("the docs' Authorize dialog", () => {
  it("still logs in with the form Swagger UI sends, and gets a refresh token too", async () => {
    const t = await makeTestApp({ strictGrantType: true });
    // Swagger UI's password flow posts exactly these fields.
    const body = new URLSearchParams({
      grant_type: "password",
      username: "johndoe",
      password: "secret",
      scope: "me items",
    });

    const response = await t.app.request("/token", {
      method: "POST",
      body,
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    });

    await t.close();
    assert.equal(response.status, 200);
    const answer = (await response.json()) as Record<string, unknown>;
    assert.equal(answer["token_type"], "bearer");
    assert.equal(typeof answer["refresh_token"], "string");
  });
});
