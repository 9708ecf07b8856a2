import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";

const rule = { freeFailures: 2, baseDelayMs: 60_000, maxDelayMs: 600_000, windowMs: 3_600_000 };

describe("a throttled login", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ throttle: { account: rule, address: { ...rule, freeFailures: 100 } } });
  });
  after(() => t.close());

  const wrong = () =>
    t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ username: "johndoe", password: "wrong" }),
    });

  it("is counted in the login metric every time and audited once per lock, as throttle.locked", async () => {
    await wrong();
    await wrong();

    const refused = await wrong();
    await wrong();
    await wrong();

    assert.equal(refused.status, 429);
    const metrics = await (await t.app.request("/metrics")).text();
    assert.match(metrics, /gatehouse_logins_total\{outcome="throttled"\} 3\b/);
    const locked = await t.store.audit.list({ limit: 10, type: "throttle.locked" });
    assert.equal(locked.events.length, 1);
    assert.equal(locked.events[0]?.reason, "throttled");
    assert.equal(locked.events[0]?.subject, "johndoe");
    assert.deepEqual(locked.events[0]?.details, { retryAfterSeconds: 60 });
    const failed = await t.store.audit.list({ limit: 10, type: "login.failed" });
    assert.deepEqual(
      failed.events.map((event) => event.reason),
      ["invalid_credentials", "invalid_credentials"],
    );
  });
});
