// The behaviour every AuditLog adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { NewAuditEvent } from "gatehouse-auth-core/audit-log";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { Store } from "gatehouse-auth-core/ports";

const start = Date.UTC(2026, 0, 1);

function event(extra: Partial<NewAuditEvent> = {}): NewAuditEvent {
  return {
    type: "login.succeeded",
    actor: "johndoe",
    subject: "johndoe",
    clientAddress: "127.0.0.1",
    requestId: "req-1",
    reason: null,
    details: {},
    ...extra,
  };
}

/** Registers the AuditLog contract; `makeStore` returns a new, empty store on `clock`. */
export function describeAuditLogContract(
  name: string,
  makeStore: (clock: Clock) => Promise<Store>,
): void {
  describe(name, () => {
    let clock = createFixedClock(start);
    let store: Store;

    beforeEach(async () => {
      clock = createFixedClock(start);
      store = await makeStore(clock);
    });
    afterEach(async () => {
      await store.close();
    });

    it("stamps a recorded event with an id and the store's clock, keeping every field", async () => {
      const recorded = await store.audit.record(
        event({
          type: "login.failed",
          reason: "invalid_credentials",
          details: { n: 1, ok: false, s: "x", z: null },
        }),
      );

      const page = await store.audit.list({ limit: 10 });

      assert.equal(recorded.time, start);
      assert.deepEqual(page.events, [recorded]);
      assert.equal(recorded.reason, "invalid_credentials");
      assert.deepEqual(recorded.details, { n: 1, ok: false, s: "x", z: null });
      assert.equal(page.nextCursor, null);
    });

    it("lists newest first and pages with the cursor without gaps or repeats", async () => {
      for (let i = 0; i < 5; i++) {
        await store.audit.record(event({ requestId: `r${i}` }));
        clock.advance(1000);
      }

      const first = await store.audit.list({ limit: 2 });
      const second = await store.audit.list({ limit: 2, cursor: first.nextCursor ?? 0 });
      const third = await store.audit.list({ limit: 2, cursor: second.nextCursor ?? 0 });

      const ids = [...first.events, ...second.events, ...third.events].map((e) => e.requestId);
      assert.deepEqual(ids, ["r4", "r3", "r2", "r1", "r0"]);
      assert.equal(third.nextCursor, null);
    });

    it("filters by user as actor or subject, by type and by time range", async () => {
      await store.audit.record(event({ actor: "admin", subject: "bob", type: "user.created" }));
      clock.advance(1000);
      await store.audit.record(event({ actor: "bob", subject: "bob" }));
      clock.advance(1000);
      await store.audit.record(event({ actor: "carol", subject: "carol" }));

      const bob = await store.audit.list({ user: "bob", limit: 10 });
      const created = await store.audit.list({ type: "user.created", limit: 10 });
      const middle = await store.audit.list({
        since: start + 1000,
        until: start + 2000,
        limit: 10,
      });

      assert.deepEqual(
        bob.events.map((e) => e.actor),
        ["bob", "admin"],
      );
      assert.deepEqual(
        created.events.map((e) => e.subject),
        ["bob"],
      );
      assert.deepEqual(
        middle.events.map((e) => e.actor),
        ["bob"],
      );
    });

    it("purges only events older than the given time and reports how many", async () => {
      await store.audit.record(event({ requestId: "old" }));
      clock.advance(10_000);
      await store.audit.record(event({ requestId: "new" }));

      const purged = await store.audit.purgeBefore(start + 5000);

      assert.equal(purged, 1);
      assert.deepEqual(
        (await store.audit.list({ limit: 10 })).events.map((e) => e.requestId),
        ["new"],
      );
    });

    it("refuses a page size outside 1 to 500", async () => {
      await assert.rejects(store.audit.list({ limit: 0 }), RangeError);
      await assert.rejects(store.audit.list({ limit: 501 }), RangeError);
    });
  });
}
