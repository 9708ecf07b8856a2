import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeFeed } from "./change-feed.ts";
import { createChangeWatcher } from "./change-watcher.ts";

function countingFeed(): ChangeFeed & { latest: number; polls: number; fail: boolean } {
  const feed = {
    latest: 0,
    polls: 0,
    fail: false,
    async readAfter() {
      return [];
    },
    async latestSequence() {
      feed.polls += 1;
      if (feed.fail) throw new Error("database down");
      return feed.latest;
    },
    async oldestSequence() {
      return 1;
    },
  };
  return feed;
}

describe("change watcher", () => {
  it("wakes a reader once the feed holds a sequence past its position", async () => {
    const feed = countingFeed();
    const watcher = createChangeWatcher(feed, { intervalMs: 5 });
    const waiting = watcher.waitBeyond(3, 60_000);

    feed.latest = 4;
    await waiting;

    assert.equal(watcher.waiting(), 0);
  });

  it("lets a reader go when its time is up, with nothing new", async () => {
    const feed = countingFeed();
    feed.latest = 3;
    const watcher = createChangeWatcher(feed, { intervalMs: 5 });

    await watcher.waitBeyond(3, 30);

    assert.equal(watcher.waiting(), 0);
  });

  it("lets a reader go when its signal aborts", async () => {
    const watcher = createChangeWatcher(countingFeed(), { intervalMs: 5 });
    const abort = new AbortController();
    const waiting = watcher.waitBeyond(0, 60_000, abort.signal);

    abort.abort();
    await waiting;

    assert.equal(watcher.waiting(), 0);
  });

  it("reads the feed once per interval for every reader together", async () => {
    const feed = countingFeed();
    const watcher = createChangeWatcher(feed, { intervalMs: 20 });

    await Promise.all(Array.from({ length: 50 }, () => watcher.waitBeyond(0, 50)));

    assert.ok(feed.polls <= 4, `${feed.polls} reads for 50 readers`);
  });

  it("does not read the feed while nobody waits", async () => {
    const feed = countingFeed();
    const watcher = createChangeWatcher(feed, { intervalMs: 1 });
    await watcher.waitBeyond(0, 10);
    // A read already under way when the reader left may still finish.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const polls = feed.polls;

    await new Promise((resolve) => setTimeout(resolve, 20));

    assert.equal(feed.polls, polls);
  });

  it("reads at once when a feed that tells of its growth does, not at the next interval", async () => {
    const feed = countingFeed();
    const listeners = new Set<() => void>();
    const watched: ChangeFeed = {
      ...feed,
      latestSequence: () => feed.latestSequence(),
      watch(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const watcher = createChangeWatcher(watched, { intervalMs: 60_000 });
    let woken = false;
    const waiting = watcher.waitBeyond(0, 60_000).then(() => {
      woken = true;
    });
    assert.equal(listeners.size, 1);

    feed.latest = 1;
    for (const listener of listeners) listener();
    await Promise.race([waiting, new Promise((resolve) => setTimeout(resolve, 1000))]);

    assert.equal(woken, true);
    assert.equal(listeners.size, 0, "stops listening once nobody waits");
  });

  it("keeps trying after a failed read, and reports it", async () => {
    const feed = countingFeed();
    feed.fail = true;
    const errors: unknown[] = [];
    const watcher = createChangeWatcher(feed, { intervalMs: 5, onError: (e) => errors.push(e) });
    const waiting = watcher.waitBeyond(0, 60_000);
    while (errors.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    feed.fail = false;
    feed.latest = 1;
    await waiting;

    assert.ok(errors.length >= 1);
  });
});
