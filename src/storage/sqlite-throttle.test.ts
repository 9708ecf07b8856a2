import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { createSqliteStore } from "./sqlite.ts";

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
    const storeModule = pathToFileURL(join(import.meta.dirname, "sqlite.ts")).href;
    const rule = { freeFailures: 5, baseDelayMs: 60_000, maxDelayMs: 60_000, windowMs: 600_000 };
    const source = `
      const { parentPort, workerData } = require("node:worker_threads");
      import(workerData.storeModule).then(async ({ createSqliteStore }) => {
        const store = createSqliteStore({ path: workerData.path });
        let allowed = 0;
        for (let i = 0; i < 25; i++) {
          const decision = await store.countAttempt("account:x", workerData.rule, workerData.now);
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
