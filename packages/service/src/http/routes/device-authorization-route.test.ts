import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  createTestDeviceSession,
  testCsrfToken,
  testUserHeader,
} from "../../../../../test/fixtures/device-session.ts";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import type { TestClients } from "../../../../../test/fixtures/test-clients.ts";
import { createTestClients } from "../../../../../test/fixtures/test-clients.ts";

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code";
const form = "application/x-www-form-urlencoded";
const basic = (id: string, secret: string): string => `Basic ${btoa(`${id}:${secret}`)}`;

interface DeviceBody {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

interface TokenBody {
  access_token?: string;
  refresh_token?: string;
  scope?: string;
  error?: string;
  detail?: string;
}

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<
    string,
    unknown
  >;

describe("the device grant over HTTP (RFC 8628)", () => {
  let t: TestApp;
  let clients: TestClients;
  before(async () => {
    clients = createTestClients(
      { clientId: "tv", grantTypes: [deviceGrant, "refresh_token"], scopes: ["me", "items"] },
      { clientId: "console", secret: "console-secret", grantTypes: [deviceGrant], scopes: ["me"] },
      { clientId: "radio", grantTypes: [deviceGrant], scopes: ["me", "items"] },
      { clientId: "spa", grantTypes: ["password"], firstParty: true, scopes: ["me"] },
    );
    t = await makeTestApp({
      clients,
      services: (composed) => ({ ...composed, deviceSession: createTestDeviceSession() }),
    });
  });
  after(() => t.close());
  beforeEach(() => {
    // Each test's polls start a full interval after the last test's.
    t.clock.advance(60_000);
  });

  const post = (
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ) =>
    t.app.request(path, {
      method: "POST",
      headers: { "content-type": form, ...headers },
      body: new URLSearchParams(fields).toString(),
    });

  const authorize = async (
    fields: Record<string, string> = { client_id: "tv" },
    headers: Record<string, string> = {},
  ) => {
    const response = await post("/device_authorization", fields, headers);
    return { response, body: (await response.json()) as DeviceBody & TokenBody };
  };

  const poll = async (deviceCode: string, clientId = "tv") => {
    const response = await post("/token", {
      grant_type: deviceGrant,
      device_code: deviceCode,
      client_id: clientId,
    });
    return { response, body: (await response.json()) as TokenBody };
  };

  const decide = (userCode: string, decision: "approve" | "deny", username = "johndoe") =>
    post(
      "/device",
      { csrf_token: testCsrfToken(username), user_code: userCode, decision },
      { [testUserHeader]: username },
    );

  describe("POST /device_authorization", () => {
    it("answers the codes, where to enter the user code, its lifetime and the interval", async () => {
      const { response, body } = await authorize();

      assert.equal(response.status, 200);
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.match(body.device_code, /^[A-Za-z0-9_-]{43}$/);
      assert.match(body.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      assert.equal(body.verification_uri, "http://127.0.0.1:8000/device");
      assert.equal(
        body.verification_uri_complete,
        `http://127.0.0.1:8000/device?user_code=${body.user_code}`,
      );
      assert.equal(body.expires_in, 600);
      assert.equal(body.interval, 5);
    });

    it("hands out a different device code and user code each time", async () => {
      const first = await authorize();
      const second = await authorize();

      assert.notEqual(first.body.device_code, second.body.device_code);
      assert.notEqual(first.body.user_code, second.body.user_code);
    });

    it("records device.authorized with the client and the scopes it may get", async () => {
      await authorize({ client_id: "console", client_secret: "console-secret", scope: "me items" });

      const { events } = await t.store.audit.list({ type: "device.authorized", limit: 1 });
      assert.equal(events[0]?.actor, "client:console");
      assert.deepEqual(events[0]?.details, { client_id: "console", scope: "me" });
    });

    it("authenticates a confidential client with Basic", async () => {
      const { response } = await authorize(
        {},
        { authorization: basic("console", "console-secret") },
      );

      assert.equal(response.status, 200);
    });

    it("refuses a confidential client with a wrong secret with 401 and a Basic challenge", async () => {
      const { response, body } = await authorize(
        {},
        { authorization: basic("console", "wrong-secret") },
      );

      assert.equal(response.status, 401);
      assert.equal(body.error, "invalid_client");
      assert.match(response.headers.get("www-authenticate") ?? "", /^Basic /);
    });

    it("refuses a confidential client that sends only its client_id", async () => {
      const { response, body } = await authorize({ client_id: "console" });

      assert.equal(response.status, 401);
      assert.equal(body.error, "invalid_client");
    });

    it("refuses a request without a client with invalid_client", async () => {
      const { response, body } = await authorize({ scope: "me" });

      assert.equal(response.status, 401);
      assert.equal(body.error, "invalid_client");
    });

    it("refuses an unknown client with invalid_client", async () => {
      const { response, body } = await authorize({ client_id: "nobody" });

      assert.equal(response.status, 401);
      assert.equal(body.error, "invalid_client");
    });

    it("refuses a client not allowed the device grant with unauthorized_client", async () => {
      const { response, body } = await authorize({ client_id: "spa" });

      assert.equal(response.status, 400);
      assert.equal(body.error, "unauthorized_client");
    });

    it("refuses a scope outside the catalogue with invalid_scope", async () => {
      const { response, body } = await authorize({ client_id: "tv", scope: "me launch-missiles" });

      assert.equal(response.status, 400);
      assert.equal(body.error, "invalid_scope");
    });

    it("refuses a parameter sent twice with invalid_request", async () => {
      const response = await t.app.request("/device_authorization", {
        method: "POST",
        headers: { "content-type": form },
        body: "client_id=tv&client_id=radio",
      });

      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as TokenBody).error, "invalid_request");
    });

    it("refuses a body that is not a form with invalid_request", async () => {
      const response = await t.app.request("/device_authorization", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_id: "tv" }),
      });

      assert.equal(response.status, 400);
    });
  });

  describe("polling /token", () => {
    it("answers authorization_pending until the user decides", async () => {
      const { body: started } = await authorize();

      const { response, body } = await poll(started.device_code);

      assert.equal(response.status, 400);
      assert.equal(body.error, "authorization_pending");
      assert.equal(response.headers.get("cache-control"), "no-store");
    });

    it("answers slow_down to a poll sooner than the interval, which then grows by 5 s", async () => {
      const { body: started } = await authorize();
      await poll(started.device_code);
      t.clock.advance(4_999);

      const early = await poll(started.device_code);
      t.clock.advance(9_999);
      const stillEarly = await poll(started.device_code);
      t.clock.advance(15_000);
      const onTime = await poll(started.device_code);

      assert.equal(early.body.error, "slow_down");
      assert.equal(stillEarly.body.error, "slow_down");
      assert.equal(onTime.body.error, "authorization_pending");
    });

    it("issues an access token and a refresh token bound to the client once approved", async () => {
      const { body: started } = await authorize({ client_id: "tv", scope: "me" });
      assert.equal((await decide(started.user_code, "approve")).status, 200);

      const { response, body } = await poll(started.device_code);

      assert.equal(response.status, 200);
      assert.equal(body.scope, "me");
      assert.match(body.refresh_token ?? "", /^[A-Za-z0-9_-]{43}$/);
      const claims = claimsOf(body.access_token ?? "");
      assert.equal(claims["sub"], "johndoe");
      assert.equal(claims["client_id"], "tv");
      const { events } = await t.store.audit.list({ type: "device.redeemed", limit: 1 });
      assert.equal(events[0]?.subject, "johndoe");
      assert.equal(events[0]?.actor, "client:tv");
    });

    it("rotates the device login's refresh token like any other", async () => {
      const { body: started } = await authorize();
      await decide(started.user_code, "approve");
      const { body: tokens } = await poll(started.device_code);

      const refreshed = await post("/token", {
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token ?? "",
        client_id: "tv",
      });

      assert.equal(refreshed.status, 200);
    });

    it("redeems a code once only", async () => {
      const { body: started } = await authorize();
      await decide(started.user_code, "approve");
      await poll(started.device_code);
      t.clock.advance(5_000);

      const { response, body } = await poll(started.device_code);

      assert.equal(response.status, 400);
      assert.equal(body.error, "invalid_grant");
    });

    it("gives tokens to exactly one of several polls at once, in each of 60 trials", async () => {
      for (let trial = 0; trial < 60; trial++) {
        t.clock.advance(60_000);
        const { body: started } = await authorize();
        await decide(started.user_code, "approve");

        const answers = await Promise.all(
          Array.from({ length: 4 }, () => poll(started.device_code)),
        );

        assert.equal(answers.filter(({ response }) => response.status === 200).length, 1);
      }
    });

    it("answers access_denied once the user denied", async () => {
      const { body: started } = await authorize();
      assert.equal((await decide(started.user_code, "deny")).status, 200);

      const { body } = await poll(started.device_code);

      assert.equal(body.error, "access_denied");
      const { events } = await t.store.audit.list({ type: "device.denied", limit: 1 });
      assert.equal(events[0]?.actor, "johndoe");
    });

    it("answers expired_token once the code's lifetime is over, approved or not", async () => {
      const { body: started } = await authorize();
      await decide(started.user_code, "approve");
      t.clock.advance(600_000);

      const { body } = await poll(started.device_code);

      assert.equal(body.error, "expired_token");
    });

    it("refuses an unknown device code with invalid_grant", async () => {
      const { response, body } = await poll("A".repeat(43));

      assert.equal(response.status, 400);
      assert.equal(body.error, "invalid_grant");
    });

    it("refuses another client's device code without spending it", async () => {
      const { body: started } = await authorize();
      await decide(started.user_code, "approve");

      const stolen = await poll(started.device_code, "radio");
      const own = await poll(started.device_code, "tv");

      assert.equal(stolen.body.error, "invalid_grant");
      assert.equal(own.response.status, 200);
    });

    it("refuses a poll without a client with invalid_client", async () => {
      const { body: started } = await authorize();

      const response = await post("/token", {
        grant_type: deviceGrant,
        device_code: started.device_code,
      });

      assert.equal(response.status, 401);
    });

    it("refuses a client not allowed the device grant with unauthorized_client", async () => {
      const { body: started } = await authorize();

      const { body } = await poll(started.device_code, "spa");

      assert.equal(body.error, "unauthorized_client");
    });

    it("refuses a poll without device_code as a validation error", async () => {
      const response = await post("/token", { grant_type: deviceGrant, client_id: "tv" });

      assert.equal(response.status, 422);
    });

    it("refuses tokens when the approving user was disabled after approving (#15)", async () => {
      await t.store.users.createUser({
        username: "carol",
        passwordHash: await t.hasher.dummyHash(),
        scopes: ["me"],
      });
      const { body: started } = await authorize();
      await decide(started.user_code, "approve", "carol");
      await t.store.users.updateUser("carol", { disabled: true });

      const { response, body } = await poll(started.device_code);

      assert.equal(response.status, 400);
      assert.equal(body.error, "invalid_grant");
      assert.equal(body.detail, "Inactive user");
    });

    it("refuses tokens when the user logged out everywhere after approving", async () => {
      const { body: started } = await authorize();
      await decide(started.user_code, "approve");
      t.clock.advance(1);
      await t.store.users.updateUser("johndoe", { tokensValidAfter: t.clock.now() });
      t.clock.advance(5_000);

      const { body } = await poll(started.device_code);

      assert.equal(body.error, "invalid_grant");
    });

    it("refuses tokens when the approving user was deleted and created again", async () => {
      await t.store.users.createUser({
        username: "erin",
        passwordHash: await t.hasher.dummyHash(),
        scopes: ["me"],
      });
      const { body: started } = await authorize();
      await decide(started.user_code, "approve", "erin");
      await t.store.users.deleteUser("erin");
      t.clock.advance(1);
      await t.store.users.createUser({
        username: "erin",
        passwordHash: await t.hasher.dummyHash(),
        scopes: ["me"],
      });

      const { body } = await poll(started.device_code);

      assert.equal(body.error, "invalid_grant");
      assert.equal(body.detail, "Invalid device code");
    });

    it("refuses a client disabled since it started, with invalid_client", async () => {
      const { body: started } = await authorize({ client_id: "radio" });
      await decide(started.user_code, "approve");
      clients.change("radio", { disabled: true });

      const { response, body } = await poll(started.device_code, "radio");

      clients.change("radio", { disabled: false });
      assert.equal(response.status, 401);
      assert.equal(body.error, "invalid_client");
    });

    it("grants only the approved scopes the client is still allowed", async () => {
      const { body: started } = await authorize({ client_id: "radio", scope: "me items" });
      await decide(started.user_code, "approve");
      clients.change("radio", { scopes: ["items"] });

      const { body } = await poll(started.device_code, "radio");

      clients.change("radio", { scopes: ["me", "items"] });
      assert.equal(body.scope, "items");
    });

    it("grants only the approved scopes the user still holds", async () => {
      await t.store.users.createUser({
        username: "dave",
        passwordHash: await t.hasher.dummyHash(),
        scopes: ["me", "items"],
      });
      const { body: started } = await authorize({ client_id: "tv", scope: "me items" });
      await decide(started.user_code, "approve", "dave");
      await t.store.users.updateUser("dave", { scopes: ["items"] });

      const { body } = await poll(started.device_code);

      assert.equal(body.scope, "items");
    });
  });

  it("answers the configured lifetime and interval", async () => {
    const configured = await makeTestApp({
      clients,
      services: (composed) => ({
        ...composed,
        settings: {
          ...composed.settings,
          deviceCodes: { lifetimeSeconds: 120, intervalSeconds: 2 },
        },
      }),
    });
    try {
      const response = await configured.app.request("/device_authorization", {
        method: "POST",
        headers: { "content-type": form },
        body: "client_id=tv",
      });

      const body = (await response.json()) as DeviceBody;
      assert.equal(body.expires_in, 120);
      assert.equal(body.interval, 2);
    } finally {
      await configured.close();
    }
  });

  it("lists the device endpoint and grant in the authorization server metadata", async () => {
    const response = await t.app.request("/.well-known/oauth-authorization-server");
    const metadata = (await response.json()) as Record<string, unknown>;

    assert.equal(
      metadata["device_authorization_endpoint"],
      "http://127.0.0.1:8000/device_authorization",
    );
    assert.ok((metadata["grant_types_supported"] as string[]).includes(deviceGrant));
  });
});
