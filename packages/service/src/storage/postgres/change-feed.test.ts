// The PostgreSQL feed under concurrent writers: gap-free numbers in commit order, no skipped event.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ChangeEvent } from "gatehouse-auth-core/changes/change-feed";
import type { Store } from "gatehouse-auth-core/ports";
import {
  createThrowawayDatabase,
  requirePostgres,
  type ThrowawayDatabase,
} from "../../../../../test/fixtures/postgres-database.ts";
import { appendPostgresChange } from "./change-feed.ts";
import { connectPostgres } from "./pool.ts";
import { createPostgresStore } from "./store.ts";

const skip = await requirePostgres();

describe("PostgreSQL change feed", { skip }, () => {
  let database: ThrowawayDatabase;
  let writers: Store[] = [];

  before(async () => {
    database = await createThrowawayDatabase();
    writers = await Promise.all(
      [1, 2, 3].map(() => createPostgresStore({ url: database.url, poolSize: 4 })),
    );
  });

  after(async () => {
    await Promise.all(writers.map((store) => store.close()));
    await database.drop();
  });

  it("numbers concurrent writers' events without a gap, and a reader polling meanwhile skips none", async () => {
    const [reader] = writers;
    assert.ok(reader !== undefined);
    const seen: ChangeEvent[] = [];
    let cursor = await reader.changes.latestSequence();
    const first = cursor + 1;
    let writing = true;
    // Reads as a follower does: everything after the last sequence it saw. A writer that took a
    // number but committed after a later one would make this cursor pass it for good.
    const poll = (async () => {
      while (writing || cursor < (await reader.changes.latestSequence())) {
        const page = await reader.changes.readAfter(cursor, 100);
        for (const event of page) {
          seen.push(event);
          cursor = event.sequence;
        }
      }
    })();
    const now = Date.now();

    // 60 rounds of 9 concurrent denials over three pools: 540 appends racing each other.
    for (let round = 0; round < 60; round++) {
      await Promise.all(
        writers.flatMap((store, writer) =>
          [0, 1, 2].map((n) =>
            store.denylist.denyAccessToken(`r${round}-w${writer}-${n}`, now + 600_000, now),
          ),
        ),
      );
    }
    writing = false;
    await poll;

    assert.equal(seen.length, 540);
    assert.deepEqual(
      seen.map((event) => event.sequence),
      Array.from({ length: 540 }, (_, index) => first + index),
    );
    assert.equal(
      new Set(seen.map((event) => (event.kind === "access_token_revoked" ? event.tokenId : "")))
        .size,
      540,
    );
  });

  it("prunes while concurrent writers append, keeping the newest event and the rest in order", async () => {
    // Every append finds the events before it past a 1 ms retention, so every one prunes.
    const pruning = await Promise.all(
      [1, 2, 3].map(() =>
        createPostgresStore({
          url: database.url,
          poolSize: 4,
          changeRetentionMs: 1,
          readCache: false,
        }),
      ),
    );
    try {
      const now = Date.now();

      for (let round = 0; round < 60; round++) {
        await Promise.all(
          pruning.flatMap((store, writer) =>
            [0, 1, 2].map((n) =>
              store.denylist.denyAccessToken(`p${round}-w${writer}-${n}`, now + 600_000, now),
            ),
          ),
        );
      }

      const [store] = pruning;
      assert.ok(store !== undefined);
      const latest = await store.changes.latestSequence();
      const oldest = await store.changes.oldestSequence();
      assert.ok(oldest <= latest, "the newest event is kept");
      assert.deepEqual(
        (await store.changes.readAfter(oldest - 1, 1000)).map((event) => event.sequence),
        Array.from({ length: latest - oldest + 1 }, (_, index) => oldest + index),
      );
    } finally {
      await Promise.all(pruning.map((store) => store.close()));
    }
  });

  it("leaves no event for a rolled-back change, and hands its number out again", async () => {
    const db = await connectPostgres({ url: database.url, poolSize: 1, connectTimeoutMs: 3000 });
    const [store] = writers;
    assert.ok(store !== undefined);
    try {
      const before = await store.changes.latestSequence();

      await assert.rejects(
        db.transaction(async (tx) => {
          await appendPostgresChange(
            tx,
            { kind: "user_deleted", username: "ghost" },
            { now: Date.now(), retentionMs: 60_000 },
          );
          throw new Error("the change failed after its event was appended");
        }),
        /the change failed/,
      );
      await store.denylist.denyAccessToken("after-rollback", Date.now() + 60_000, Date.now());

      assert.deepEqual(
        (await store.changes.readAfter(before, 10)).map((event) => [event.sequence, event.kind]),
        [[before + 1, "access_token_revoked"]],
      );
    } finally {
      await db.close();
    }
  });
});
