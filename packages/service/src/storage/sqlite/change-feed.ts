// The change feed on SQLite: appending an event inside the writing transaction, and reading it.
import type { DatabaseSync } from "node:sqlite";
import type { ChangeFeed } from "gatehouse-auth-core/changes/change-feed";
import type { Clock } from "gatehouse-auth-core/clock";
import { z } from "zod";
import { createChangeSignal } from "../change-signal.ts";
import {
  changeEventColumns,
  changeEventValues,
  createChangeEventReader,
  type NewChangeEvent,
} from "../rows/change-event-row.ts";
import { inWriteTransaction } from "./transaction.ts";

const readEvent = createChangeEventReader({
  integer: z.number().int(),
  flag: z.union([z.literal(0), z.literal(1)]).transform((value) => value === 1),
});

/** The SQLite store's feed, with the write side its parts call. */
export interface SqliteChangeLog {
  readonly feed: ChangeFeed;
  /**
   * Appends `event`, numbered after the last one, and prunes events past the retention. Must
   * run inside the transaction making the change (see {@link SqliteChangeLog.atomically}).
   */
  append(event: NewChangeEvent): void;
  /**
   * Runs `work` under the write lock in one transaction, or inside the one already open, so a
   * change and its event commit together.
   */
  atomically<T>(work: () => T): T;
}

/** Creates the change log on an open, migrated database. */
export function createSqliteChangeLog(
  db: DatabaseSync,
  clock: Clock,
  retentionMs: number,
): SqliteChangeLog {
  // SQLite runs one writer at a time, so the head row's number follows commit order; the
  // upsert also recreates the row if the tables were emptied.
  const next = db.prepare(
    `INSERT INTO change_feed_head (id, last_sequence) VALUES (1, 1)
     ON CONFLICT (id) DO UPDATE SET last_sequence = last_sequence + 1
     RETURNING last_sequence`,
  );
  next.setReturnArrays(true);
  // The newest event is always kept: it is inserted after the prune, with `at` of now.
  const prune = db.prepare("DELETE FROM change_events WHERE at < ?");
  const insert = db.prepare(
    `INSERT INTO change_events (${changeEventColumns}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const after = db.prepare(
    `SELECT ${changeEventColumns} FROM change_events WHERE sequence > ? ORDER BY sequence LIMIT ?`,
  );
  const latest = db.prepare(
    "SELECT coalesce((SELECT last_sequence FROM change_feed_head WHERE id = 1), 0) AS latest",
  );
  latest.setReturnArrays(true);
  const oldest = db.prepare(
    `SELECT coalesce((SELECT min(sequence) FROM change_events),
       coalesce((SELECT last_sequence FROM change_feed_head WHERE id = 1), 0) + 1) AS oldest`,
  );
  oldest.setReturnArrays(true);
  // Fired after the appending transaction, committed or not: a reader then reads the head.
  const growth = createChangeSignal();
  const integerOf = (row: unknown): number => {
    const value = Array.isArray(row) ? row[0] : undefined;
    if (typeof value !== "number") throw new TypeError("malformed row in change_feed_head");
    return value;
  };

  return {
    feed: {
      async readAfter(sequence, limit) {
        return after.all(sequence, limit).map(readEvent);
      },
      async latestSequence() {
        return integerOf(latest.get());
      },
      async oldestSequence() {
        return integerOf(oldest.get());
      },
      watch: growth.watch,
    },

    append(event) {
      const at = clock.now();
      const sequence = integerOf(next.get());
      prune.run(at - retentionMs);
      const [kind, subject, disabled, tokensValidAfter, expiresAt] = changeEventValues(event);
      insert.run(
        sequence,
        at,
        kind,
        subject,
        disabled === null ? null : disabled ? 1 : 0,
        tokensValidAfter,
        expiresAt,
      );
      growth.signal();
    },

    atomically(work) {
      return db.isTransaction ? work() : inWriteTransaction(db, work);
    },
  };
}
