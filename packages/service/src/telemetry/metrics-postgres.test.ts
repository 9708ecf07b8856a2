import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createFastHasher } from "../../../../test/fixtures/fast-hasher.ts";
import {
  createThrowawayDatabase,
  requirePostgres,
  type ThrowawayDatabase,
} from "../../../../test/fixtures/postgres-database.ts";
import { composeServices } from "../service/compose.ts";
import { loadSettings } from "../service/config.ts";

const skip = await requirePostgres();

describe("the composed service's metrics on PostgreSQL", { skip }, () => {
  let database: ThrowawayDatabase;
  before(async () => {
    database = await createThrowawayDatabase();
  });
  after(async () => {
    await database.drop();
  });

  it("report the pool's open and idle connections and the statements waiting for one", async () => {
    const services = await composeServices(
      loadSettings({ GATEHOUSE_DATABASE_URL: database.url, GATEHOUSE_DATABASE_POOL_SIZE: "3" }),
      { hasher: createFastHasher() },
    );
    await Promise.all(Array.from({ length: 6 }, () => services.store.users.countUsers()));

    const text = await services.metrics.render();
    await services.close();
    const closed = await services.metrics.render();

    const open = /^gatehouse_db_connections\{driver="postgres"\} (\d+)$/m.exec(text)?.[1];
    assert.ok(open !== undefined && Number(open) >= 1 && Number(open) <= 3, text);
    assert.match(
      text,
      new RegExp(`^gatehouse_db_connections_idle\\{driver="postgres"\\} ${open}$`, "m"),
    );
    assert.match(text, /^gatehouse_db_waiting\{driver="postgres"\} 0$/m);
    assert.match(text, /^gatehouse_store_read_mode\{mode="cached"\} 1$/m);
    assert.match(text, /^gatehouse_store_read_mode\{mode="direct"\} 0$/m);
    assert.match(text, /^gatehouse_read_cache_entries\{cache="denied_tokens"\} 0$/m);
    assert.match(closed, /^gatehouse_db_connections\{driver="postgres"\} 0$/m);
  });

  it("report direct reads, and hand the guards no cache, when GATEHOUSE_DATABASE_CACHED_USERS is 0", async () => {
    const services = await composeServices(
      loadSettings({ GATEHOUSE_DATABASE_URL: database.url, GATEHOUSE_DATABASE_CACHED_USERS: "0" }),
      { hasher: createFastHasher() },
    );

    const text = await services.metrics.render();
    const guardReads = services.store.guardReads;
    const ready = await services.store.readiness.checkReady();
    await services.close();

    assert.equal(guardReads, undefined);
    assert.equal(ready.reads, undefined);
    assert.match(text, /^gatehouse_store_read_mode\{mode="direct"\} 1$/m);
  });
});
