// Failed client authentication at /revoke and /introspect is audited and throttled as at /token.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { AuditEvent } from "gatehouse-auth-core/audit-log";
import { defaultThrottlePolicy } from "gatehouse-auth-core/grants/throttle";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import { createTestClients } from "../../../../../test/fixtures/test-clients.ts";

const basic = (id: string, secret: string): string =>
  `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

const freeFailures = defaultThrottlePolicy.account.freeFailures;

describe("failed client authentication at /revoke and /introspect", () => {
  let t: TestApp;
  beforeEach(async () => {
    const clients = createTestClients({
      clientId: "reporting",
      secret: "reporting-secret",
      scopes: ["introspect"],
    });
    t = await makeTestApp({ clients });
  });
  afterEach(() => t.close());

  const post = (path: string, authorization?: string, fields: Record<string, string> = {}) =>
    t.app.request(path, {
      method: "POST",
      headers: authorization === undefined ? {} : { authorization },
      body: new URLSearchParams({ token: "x.y.z", ...fields }),
    });
  const failures = async (): Promise<readonly AuditEvent[]> =>
    (await t.store.audit.list({ type: "login.failed", limit: 100 })).events;

  for (const path of ["/revoke", "/introspect"]) {
    it(`records a wrong secret at ${path} as login.failed naming the client and the endpoint`, async () => {
      const response = await post(path, basic("reporting", "wrong"));

      assert.equal(response.status, 401);
      const [event] = await failures();
      assert.equal(event?.subject, "client:reporting");
      assert.equal(event?.actor, "client:reporting");
      assert.equal(event?.reason, "invalid_client");
      assert.deepEqual(event?.details, { endpoint: path });
      assert.match(event?.requestId ?? "", /.+/);
    });

    it(`locks the client at ${path} after the free failures, even for the right secret`, async () => {
      for (let i = 0; i < freeFailures; i++) {
        assert.equal((await post(path, basic("reporting", "wrong"))).status, 401);
      }

      const response = await post(path, basic("reporting", "reporting-secret"));

      assert.equal(response.status, 429);
      assert.equal(((await response.json()) as { error: string }).error, "temporarily_unavailable");
      assert.equal((await failures())[0]?.reason, "throttled");
    });
  }

  it("records an unknown client without naming it, as what was typed may be a secret", async () => {
    await post("/revoke", basic("Vq2sCretLooking0000000000000000000000000000", "x"));

    const [event] = await failures();
    assert.equal(event?.subject, null);
    assert.equal(event?.reason, "invalid_client");
  });

  it("records malformed Basic credentials and two methods at once", async () => {
    await post("/introspect", "Basic %%%");
    await post("/revoke", basic("reporting", "reporting-secret"), {
      client_id: "reporting",
      client_secret: "reporting-secret",
    });

    const events = await failures();
    assert.deepEqual(
      events.map((event) => [event.reason, event.details["endpoint"]]),
      [
        ["invalid_request", "/revoke"],
        ["invalid_client", "/introspect"],
      ],
    );
  });

  it("shares one counter with /token: failures at /revoke lock client_credentials", async () => {
    for (let i = 0; i < freeFailures; i++) await post("/revoke", basic("reporting", "wrong"));

    const response = await t.app.request("/token", {
      method: "POST",
      headers: { authorization: basic("reporting", "reporting-secret") },
      body: new URLSearchParams({ grant_type: "client_credentials" }),
    });

    assert.equal(response.status, 429);
  });

  it("records nothing for a request that authenticates", async () => {
    await post("/introspect", basic("reporting", "reporting-secret"));
    await post("/revoke");

    assert.deepEqual(await failures(), []);
  });
});
