import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import type { AuditLog } from "gatehouse-auth-core/audit-log";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { createMemoryStore } from "../storage/memory/store.ts";
import { createLogger } from "../telemetry/logger.ts";
import { startAuditRetention } from "./audit-retention.ts";

const day = 86_400_000;
const event = {
  type: "login.succeeded",
  actor: "johndoe",
  subject: "johndoe",
  clientAddress: null,
  requestId: null,
  reason: null,
  details: {},
} as const;

describe("startAuditRetention", () => {
  it("purges events older than the retention at start and every hour after", async () => {
    mock.timers.enable({ apis: ["setInterval"] });
    const clock = createFixedClock(Date.UTC(2026, 0, 1));
    const store = createMemoryStore({ clock });
    await store.audit.record(event);
    clock.advance(10 * day);
    await store.audit.record(event);
    const logged: string[] = [];

    const retention = startAuditRetention({
      audit: store.audit,
      clock,
      days: 5,
      logger: createLogger("info", (line) => logged.push(line)),
    });
    await Promise.resolve();
    const afterStart = (await store.audit.list({ limit: 10 })).events.length;
    clock.advance(6 * day);
    mock.timers.tick(60 * 60 * 1000);
    await new Promise(setImmediate);
    const afterHour = (await store.audit.list({ limit: 10 })).events.length;
    retention.stop();
    mock.timers.reset();

    assert.equal(afterStart, 1);
    assert.equal(afterHour, 0);
    assert.equal(logged.filter((line) => line.includes("audit events purged")).length, 2);
  });

  it("logs a failed purge instead of throwing", async () => {
    const broken: AuditLog = {
      record: () => Promise.reject(new Error("no")),
      list: () => Promise.reject(new Error("no")),
      purgeBefore: () => Promise.reject(new Error("disk on fire")),
    };
    const logged: string[] = [];

    const retention = startAuditRetention({
      audit: broken,
      clock: createFixedClock(0),
      days: 1,
      logger: createLogger("info", (line) => logged.push(line)),
    });
    const purged = await retention.purge();
    retention.stop();

    assert.equal(purged, 0);
    assert.ok(
      logged.some((line) => line.includes("audit purge failed") && line.includes("disk on fire")),
    );
  });
});
