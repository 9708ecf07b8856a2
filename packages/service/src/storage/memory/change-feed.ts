// The change feed in process memory, for the memory store: numbered events, pruned by age.
import type { ChangeEvent, ChangeFeed } from "gatehouse-auth-core/changes/change-feed";
import type { Clock } from "gatehouse-auth-core/clock";
import { createChangeSignal } from "../change-signal.ts";
import type { NewChangeEvent } from "../rows/change-event-row.ts";

/** The memory store's feed, with the write side its parts call and `clear` for `close`. */
export interface MemoryChangeFeed extends ChangeFeed {
  /** Appends `event`, numbered after the last one; prunes events past the retention. */
  append(event: NewChangeEvent): void;
  clear(): void;
}

/** Creates an empty feed stamping events with `clock`, keeping them `retentionMs`. */
export function createMemoryChangeFeed(clock: Clock, retentionMs: number): MemoryChangeFeed {
  let events: ChangeEvent[] = [];
  let last = 0;
  const growth = createChangeSignal();
  return {
    append(event) {
      const at = clock.now();
      last += 1;
      const stored: ChangeEvent = Object.freeze({ ...event, sequence: last, at });
      // Oldest first, so the pruned ones are a prefix; the newest is always kept.
      const keepFrom = events.findIndex((kept) => kept.at >= at - retentionMs);
      events = keepFrom === -1 ? [] : keepFrom === 0 ? events : events.slice(keepFrom);
      events.push(stored);
      growth.signal();
    },

    watch: growth.watch,

    async readAfter(after, limit) {
      const start = events.findIndex((event) => event.sequence > after);
      return start === -1 ? [] : events.slice(start, start + limit);
    },

    async latestSequence() {
      return last;
    },

    async oldestSequence() {
      return events[0]?.sequence ?? last + 1;
    },

    clear() {
      events = [];
    },
  };
}
