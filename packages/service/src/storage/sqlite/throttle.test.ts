import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { migrateSqlite } from "./migrate.ts";
import { createSqliteStore } from "./store.ts";

let root = "";
before(() => {
  root = mkdtempSync(join(tmpdir(), "gatehouse-throttle-"));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("SQLite throttle counters shared by several connections", () => {
  it("lets exactly the free checks run at once when eight threads hammer one key on one file", async () => {
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
          const decision = await store.throttle.reserveAttempt("account:x", workerData.rule, workerData.now, 30000);
          if (decision.kind === "reserved") allowed++;
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

  it("rolls back every reservation of a run when a later step fails", async () => {
    const store = createSqliteStore({ path: join(root, "run-rollback", "gatehouse.db") });
    try {
      await assert.rejects(
        store.throttle.reserveAttempts(
          [
            { key: "address:a", rule },
            { key: "account:b", rule: broken },
          ],
          now,
          30_000,
        ),
      );

      assert.deepEqual(await store.throttle.reserveAttempt("address:a", rule, now, 30_000), {
        kind: "reserved",
        failures: 0,
        inFlight: 1,
      });
    } finally {
      await store.close();
    }
  });

  it("rolls back the first settlement of a login when the second fails", async () => {
    const store = createSqliteStore({ path: join(root, "settle-rollback", "gatehouse.db") });
    const db = new DatabaseSync(join(root, "settle-rollback", "gatehouse.db"));
    try {
      await store.throttle.settleAttempt("account:b", rule, "failed", now);
      await store.throttle.reserveAttempt("account:b", rule, now, 30_000);
      await store.throttle.reserveAttempt("address:a", rule, now, 30_000);
      // A trigger stands in for any failure of the second step.
      db.exec(`CREATE TRIGGER fail_release BEFORE UPDATE ON login_throttle
        WHEN OLD.key = 'address:a' BEGIN SELECT RAISE(ABORT, 'release failed'); END`);

      await assert.rejects(
        store.throttle.settleAttempts(
          [
            { key: "account:b", rule, outcome: "succeeded" },
            { key: "address:a", rule, outcome: "released" },
          ],
          now,
        ),
        /release failed/,
      );

      db.exec("DROP TRIGGER fail_release");
      assert.deepEqual(await store.throttle.reserveAttempt("account:b", rule, now, 30_000), {
        kind: "reserved",
        failures: 1,
        inFlight: 2,
      });
    } finally {
      db.exec("DROP TRIGGER IF EXISTS fail_release");
      db.close();
      await store.close();
    }
  });
});

describe("SQLite throttle counters from before migration 011", () => {
  it("keeps a counter's failures and lock, with nothing in flight", async () => {
    const dir = join(root, "before-011");
    mkdirSync(dir, { recursive: true });
    const path = join(dir, "gatehouse.db");
    const shipped = new URL("./migrations/", import.meta.url);
    const older = mkdtempSync(join(root, "migrations-before-011-"));
    for (const file of readdirSync(shipped)) {
      if (file < "011") copyFileSync(new URL(file, shipped), join(older, file));
    }
    const old = new DatabaseSync(path);
    migrateSqlite(old, { directory: pathToFileURL(`${older}/`) });
    const now = Date.UTC(2025, 0, 1);
    old
      .prepare(
        "INSERT INTO login_throttle (key, failures, locked_until, next_delay_ms, expires_at) VALUES (?, ?, ?, ?, ?)",
      )
      .run("account:x", 5, now + 1000, 2000, now + 61_000);
    old.close();
    const store = createSqliteStore({ path });
    const rule = { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 60_000, windowMs: 60_000 };
    try {
      assert.deepEqual(await store.throttle.reserveAttempt("account:x", rule, now, 30_000), {
        kind: "locked",
        lockedUntil: now + 1000,
      });
      assert.deepEqual(await store.throttle.reserveAttempt("account:x", rule, now + 1000, 30_000), {
        kind: "reserved",
        failures: 5,
        inFlight: 1,
      });
    } finally {
      await store.close();
    }
  });
});
