import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { createSqliteStore } from "./store.ts";

let root = "";
before(() => {
  root = mkdtempSync(join(tmpdir(), "gatehouse-throttle-"));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("SQLite throttle counters shared by several connections", () => {
  it("lets exactly the free attempts through when eight threads hammer one key on one file", async () => {
    const path = join(root, "race", "gatehouse.db");
    await createSqliteStore({ path }).close();
    const storeModule = pathToFileURL(join(import.meta.dirname, "store.ts")).href;
    const rule = { freeFailures: 5, baseDelayMs: 60_000, maxDelayMs: 60_000, windowMs: 600_000 };
    const source = `
      const { parentPort, workerData } = require("node:worker_threads");
      import(workerData.storeModule).then(async ({ createSqliteStore }) => {
        const store = createSqliteStore({ path: workerData.path });
        let allowed = 0;
        for (let i = 0; i < 25; i++) {
          const decision = await store.throttle.countAttempt("account:x", workerData.rule, workerData.now);
          if (decision.allowed) allowed++;
        }
        await store.close();
        parentPort.postMessage(allowed);
      });`;
    const run = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const worker = new Worker(source, {
          eval: true,
          workerData: { storeModule, path, rule, now: Date.UTC(2025, 0, 1) },
        });
        worker.once("message", resolve);
        worker.once("error", reject);
      });

    const allowed = await Promise.all(Array.from({ length: 8 }, run));

    assert.equal(
      allowed.reduce((sum, n) => sum + n, 0),
      5,
    );
  });
});

describe("SQLite throttle runs", () => {
  // next_delay_ms > 0 is a CHECK of the table: a rule with no delay makes the insert fail.
  const rule = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 5000, windowMs: 60_000 };
  const broken = { ...rule, baseDelayMs: 0, maxDelayMs: 0 };
  const now = Date.UTC(2025, 0, 1);

  it("rolls back every count of a run when a later step fails", async () => {
    const store = createSqliteStore({ path: join(root, "run-rollback", "gatehouse.db") });
    try {
      await assert.rejects(
        store.throttle.countAttempts(
          [
            { key: "address:a", rule },
            { key: "account:b", rule: broken },
          ],
          now,
        ),
      );

      assert.deepEqual(await store.throttle.countAttempt("address:a", rule, now), {
        allowed: true,
        failures: 1,
      });
    } finally {
      await store.close();
    }
  });

  it("rolls back the clear of a settled success when the forgiving step fails", async () => {
    const store = createSqliteStore({ path: join(root, "settle-rollback", "gatehouse.db") });
    const db = new DatabaseSync(join(root, "settle-rollback", "gatehouse.db"));
    try {
      await store.throttle.countAttempt("account:b", rule, now);
      await store.throttle.countAttempt("address:a", rule, now);
      // A trigger stands in for any failure of the second step.
      db.exec(`CREATE TRIGGER fail_forgive BEFORE UPDATE ON login_throttle
        BEGIN SELECT RAISE(ABORT, 'forgive failed'); END`);

      await assert.rejects(
        store.throttle.settleSucceeded("account:b", { key: "address:a", rule }, now),
        /forgive failed/,
      );

      db.exec("DROP TRIGGER fail_forgive");
      assert.deepEqual(await store.throttle.countAttempt("account:b", rule, now), {
        allowed: true,
        failures: 2,
      });
    } finally {
      db.exec("DROP TRIGGER IF EXISTS fail_forgive");
      db.close();
      await store.close();
    }
  });
});
