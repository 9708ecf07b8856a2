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

  it("is counted in the login metric and written to the audit trail with reason throttled", async () => {
    await wrong();
    await wrong();

    const refused = await wrong();

    assert.equal(refused.status, 429);
    const metrics = await (await t.app.request("/metrics")).text();
    assert.match(metrics, /gatehouse_logins_total\{outcome="throttled"\} 1\b/);
    const events = await t.store.audit.list({ limit: 1, type: "login.failed" });
    assert.equal(events.events[0]?.reason, "throttled");
    assert.equal(events.events[0]?.subject, "johndoe");
  });
});
