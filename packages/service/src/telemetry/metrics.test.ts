import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { composeServices } from "../service/compose.ts";
import { loadSettings } from "../service/config.ts";
import { createMetrics } from "./metrics.ts";

describe("the composed service's metrics", () => {
  it("report the hashing pool, the time a job waited and the SQLite connection", async () => {
    const services = await composeServices(
      loadSettings({ GATEHOUSE_DATABASE_URL: ":memory:", GATEHOUSE_HASH_WORKERS: "2" }),
    );

    const text = await services.metrics.render();
    await services.close();
    const closed = await services.metrics.render();

    assert.match(text, /^gatehouse_hash_pool_workers 2$/m);
    assert.match(text, /^gatehouse_hash_pool_jobs\{state="running"\} 0$/m);
    assert.match(text, /^gatehouse_hash_pool_jobs\{state="queued"\} 0$/m);
    // The dummy hash computed at startup is the one job so far.
    assert.match(text, /^gatehouse_hash_queue_wait_seconds_count 1$/m);
    assert.match(text, /^gatehouse_db_connections\{driver="sqlite"\} 1$/m);
    assert.match(closed, /^gatehouse_db_connections\{driver="sqlite"\} 0$/m);
  });

  it("report zero workers and no connections when nothing feeds them", async () => {
    const text = await createMetrics().render();

    assert.match(text, /^gatehouse_hash_pool_workers 0$/m);
    assert.doesNotMatch(text, /^gatehouse_db_connections\{/m);
  });
});
