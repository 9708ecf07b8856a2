import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { createDeviceAuthorizationEndpoint } from "gatehouse-auth-core/device/device-authorization";
import { hashDeviceCode } from "gatehouse-auth-core/device/device-codes";
import { createDeviceVerifier } from "gatehouse-auth-core/device/device-verification";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import { createScopeCatalogue, gatehouseScopeDescriptions } from "gatehouse-auth-core/scopes";
import {
  createTestDeviceSession,
  testCsrfToken,
  testUserHeader,
} from "../../../../../test/fixtures/device-session.ts";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import { createTestClients } from "../../../../../test/fixtures/test-clients.ts";
import { createMemoryStore } from "../../storage/memory/store.ts";

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code";
const form = "application/x-www-form-urlencoded";

describe("the /device page", () => {
  let t: TestApp;
  const clients = createTestClients({
    clientId: "tv",
    grantTypes: [deviceGrant],
    scopes: ["me", "items"],
  });
  before(async () => {
    t = await makeTestApp({
      clients,
      services: (composed) => ({ ...composed, deviceSession: createTestDeviceSession() }),
    });
  });
  after(() => t.close());
  beforeEach(() => {
    // A fresh hour for each test: the throttle's counters of the last one have run out.
    t.clock.advance(4 * 3_600_000);
  });

  const start = async (scope = "me items"): Promise<{ user_code: string; device_code: string }> => {
    const response = await t.app.request("/device_authorization", {
      method: "POST",
      headers: { "content-type": form },
      body: new URLSearchParams({ client_id: "tv", scope }).toString(),
    });
    return (await response.json()) as { user_code: string; device_code: string };
  };

  const submit = (fields: Record<string, string>, username: string | null = "johndoe") =>
    t.app.request("/device", {
      method: "POST",
      headers: {
        "content-type": form,
        ...(username === null ? {} : { [testUserHeader]: username }),
      },
      body: new URLSearchParams(fields).toString(),
    });

  const enter = (userCode: string, username = "johndoe") =>
    submit({ csrf_token: testCsrfToken(username), user_code: userCode }, username);

  it("sends a visitor without a session to the login page, coming back with the code", async () => {
    const response = await t.app.request("/device?user_code=BCDF-GHJK");

    assert.equal(response.status, 302);
    assert.equal(
      response.headers.get("location"),
      `/login?${new URLSearchParams({ return_to: "/device?user_code=BCDF-GHJK" })}`,
    );
  });

  it("sends a form posted without a session to the login page", async () => {
    const response = await submit({ user_code: "BCDF-GHJK" }, null);

    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/login?return_to=%2Fdevice");
  });

  it("shows a labelled code form, prefilled from verification_uri_complete, without script or inline style", async () => {
    const response = await t.app.request("/device?user_code=BCDF-GHJK", {
      headers: { [testUserHeader]: "johndoe" },
    });
    const html = await response.text();

    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(html, /<label for="user_code">/);
    assert.match(html, /<input id="user_code" name="user_code" type="text" value="BCDF-GHJK"/);
    assert.match(html, /<input type="hidden" name="csrf_token" value="csrf-of-johndoe">/);
    assert.doesNotMatch(html, /<script|style=|<style/);
    assert.match(response.headers.get("content-security-policy") ?? "", /script-src 'self'/);
  });

  it("escapes a user code from the query string", async () => {
    const response = await t.app.request(`/device?user_code=${encodeURIComponent('"><b>x')}`, {
      headers: { [testUserHeader]: "johndoe" },
    });

    assert.match(await response.text(), /value="&quot;&gt;&lt;b&gt;x"/);
  });

  it("refuses a form without a CSRF token with 403, before looking the code up", async () => {
    const { user_code } = await start();

    const response = await submit({ user_code });

    assert.equal(response.status, 403);
    const { events } = await t.store.audit.list({ type: "device.user_code_rejected", limit: 5 });
    assert.equal(events.length, 0);
  });

  it("refuses a form with another session's CSRF token with 403 and does not approve", async () => {
    const { user_code, device_code } = await start();

    const response = await submit({
      csrf_token: testCsrfToken("alice"),
      user_code,
      decision: "approve",
    });

    assert.equal(response.status, 403);
    const record = await t.store.deviceCodes.findDeviceCode(hashDeviceCode(device_code));
    assert.equal(record?.state, "pending");
  });

  it("shows the client's name and the requested scopes with their descriptions", async () => {
    const { user_code } = await start();

    const response = await enter(user_code.toLowerCase().replace("-", ""));
    const html = await response.text();

    assert.equal(response.status, 200);
    assert.match(html, /<strong>tv<\/strong> asks to act on your behalf/);
    assert.ok(html.includes(`<strong>${user_code}</strong>`));
    assert.match(html, /<li><code>me<\/code>: Read information about the current user\.<\/li>/);
    assert.match(html, /<li><code>items<\/code>: Read items\.<\/li>/);
    assert.match(html, /<button type="submit" name="decision" value="approve">Approve<\/button>/);
    assert.match(html, /<button type="submit" name="decision" value="deny">Deny<\/button>/);
  });

  it("answers an unknown user code with 400 and the form again, and audits it", async () => {
    const response = await enter("BCDF-GHJK");
    const html = await response.text();

    assert.equal(response.status, 400);
    assert.match(html, /role="alert">Invalid or expired code</);
    assert.match(html, /aria-invalid="true"/);
    const { events } = await t.store.audit.list({ type: "device.user_code_rejected", limit: 1 });
    assert.equal(events[0]?.actor, "johndoe");
  });

  it("answers an expired user code as an unknown one", async () => {
    const { user_code } = await start();
    t.clock.advance(600_000);

    const response = await enter(user_code);

    assert.equal(response.status, 400);
  });

  it("answers a code already decided as an unknown one", async () => {
    const { user_code } = await start();
    await submit({ csrf_token: testCsrfToken("johndoe"), user_code, decision: "deny" });

    const response = await submit({
      csrf_token: testCsrfToken("johndoe"),
      user_code,
      decision: "approve",
    });

    assert.equal(response.status, 400);
  });

  it("locks a user out after 5 wrong codes, even from the right one (RFC 8628 §5.1)", async () => {
    const { user_code } = await start();
    for (let guess = 0; guess < 5; guess++) {
      assert.equal((await enter("BCDF-GHJK")).status, 400);
    }

    const locked = await enter(user_code);

    assert.equal(locked.status, 429);
    assert.equal(locked.headers.get("retry-after"), "1");
  });

  it("keeps counting wrong codes when the user enters a right one in between", async () => {
    const { user_code } = await start();
    for (let guess = 0; guess < 4; guess++) await enter("BCDF-GHJK");
    assert.equal((await enter(user_code)).status, 200);
    assert.equal((await enter("BCDF-GHJK")).status, 400);

    const locked = await enter("BCDF-GHJK");

    assert.equal(locked.status, 429);
  });

  it("does not count a malformed code, which cannot match any", async () => {
    const { user_code } = await start();
    for (let guess = 0; guess < 10; guess++) await enter("not a code");

    const response = await enter(user_code);

    assert.equal(response.status, 200);
  });

  it("does not lock another user or the account's logins for one user's guesses", async () => {
    for (let guess = 0; guess < 6; guess++) await enter("BCDF-GHJK", "johndoe");
    const { user_code } = await start();

    const other = await enter(user_code, "bob");
    const login = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ username: "johndoe", password: "secret" }),
    });

    assert.equal(other.status, 200);
    assert.equal(login.status, 200);
  });

  it("refuses an approval by a disabled user and leaves the code pending", async () => {
    const { user_code, device_code } = await start();

    const response = await submit(
      {
        csrf_token: testCsrfToken("alice"),
        user_code,
        decision: "approve",
      },
      "alice",
    );

    assert.equal(response.status, 400);
    assert.match(await response.text(), /Inactive user/);
    const poll = await t.app.request("/token", {
      method: "POST",
      headers: { "content-type": form },
      body: new URLSearchParams({
        grant_type: deviceGrant,
        device_code,
        client_id: "tv",
      }).toString(),
    });
    assert.equal(((await poll.json()) as { error: string }).error, "authorization_pending");
  });

  it("answers the code of a client disabled since as an unknown one", async () => {
    const { user_code } = await start();
    clients.change("tv", { disabled: true });

    const response = await enter(user_code);

    clients.change("tv", { disabled: false });
    assert.equal(response.status, 400);
  });

  it("refuses an approval by a signed-in user the store does not hold", async () => {
    const { user_code } = await start();

    const response = await submit(
      { csrf_token: testCsrfToken("ghost"), user_code, decision: "approve" },
      "ghost",
    );

    assert.equal(response.status, 400);
    assert.match(await response.text(), /Inactive user/);
  });

  it("records an approval with the user and the scopes granted", async () => {
    const { user_code } = await start("me");

    const response = await submit({
      csrf_token: testCsrfToken("johndoe"),
      user_code,
      decision: "approve",
    });

    assert.equal(response.status, 200);
    assert.match(await response.text(), /Device connected/);
    const { events } = await t.store.audit.list({ type: "device.approved", limit: 1 });
    assert.deepEqual(events[0]?.details, { client_id: "tv", scope: "me" });
  });

  it("sends a visitor without a session to the login page by default, back to the code", async () => {
    const bare = await makeTestApp();
    try {
      const response = await bare.app.request("/device?user_code=BCDF-GHJK");
      const location = new URL(response.headers.get("location") ?? "", "http://gatehouse.test");

      assert.equal(Math.floor(response.status / 100), 3);
      assert.equal(location.pathname, "/login");
      assert.equal(location.searchParams.get("return_to"), "/device?user_code=BCDF-GHJK");
    } finally {
      await bare.close();
    }
  });
});

describe("the device verifier's per-address limit", () => {
  it("locks an address after 20 wrong codes from several users", async () => {
    const clock = createFixedClock(Date.UTC(2026, 0, 1));
    const store = createMemoryStore({ clock });
    const scopes = createScopeCatalogue(gatehouseScopeDescriptions);
    const clients = createTestClients({
      clientId: "tv",
      grantTypes: [deviceGrant],
      scopes: ["me"],
    });
    for (const username of ["u1", "u2", "u3", "u4", "u5"]) {
      await store.users.createUser({
        username,
        passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$test" as PasswordHash,
        scopes: ["me"],
      });
    }
    const deps = { deviceCodes: store.deviceCodes, clients, scopes, clock, audit: store.audit };
    const verifier = createDeviceVerifier({
      ...deps,
      users: store.users,
      throttle: store.throttle,
    });
    const started = await createDeviceAuthorizationEndpoint(deps).handle({ clientId: "tv" });
    assert.ok(started.ok);
    const caller = (username: string) => ({
      username,
      clientAddress: "203.0.113.7",
      requestId: null,
    });
    for (let guess = 0; guess < 20; guess++) {
      await assert.rejects(verifier.lookUp("BCDF-GHJK", caller(`u${(guess % 5) + 1}`)), {
        code: "user_code_invalid",
      });
    }

    await assert.rejects(verifier.lookUp(started.started.userCode, caller("u1")), {
      code: "throttled",
    });
    const elsewhere = await verifier.lookUp(started.started.userCode, {
      username: "u1",
      clientAddress: "198.51.100.9",
      requestId: null,
    });
    assert.equal(elsewhere.clientId, "tv");
    await store.close();
  });
});
