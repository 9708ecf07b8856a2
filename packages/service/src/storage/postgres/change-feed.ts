// The change feed on PostgreSQL: appending an event inside the writing transaction, and reading it.
import type { ChangeEvent, ChangeFeed } from "gatehouse-auth-core/changes/change-feed";
import { z } from "zod";
import {
  changeEventColumns,
  changeEventValues,
  createChangeEventReader,
  type NewChangeEvent,
} from "../rows/change-event-row.ts";
import { parseRow } from "../rows/parse-row.ts";
import type { Queryable } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

/** The channel every append notifies at commit, with the event's sequence as payload. */
export const changeChannel = "gatehouse_changes";

const readEvent = createChangeEventReader({ integer: bigintNumber, flag: z.boolean() });
const sequenceRow = z.object({ sequence: bigintNumber });

// One statement, so the head row's lock is held from here to the commit and no longer. The
// upsert takes the next number under that lock (READ COMMITTED re-reads the row a concurrent
// writer committed before granting it), which makes numbers gap-free and in commit order; the
// upsert also recreates the row if a test emptied the tables. The prune reads `head`, so it
// locks old rows only under the head row's lock (an unreferenced CTE would run last anyway; this
// keeps that order explicit, so two appenders never lock each other's rows first), and it never
// reaches the event being appended.
const append = `WITH head AS (
    INSERT INTO change_feed_head AS h (id, last_sequence) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET last_sequence = h.last_sequence + 1
    RETURNING last_sequence),
  pruned AS (
    DELETE FROM change_events WHERE at < $2 AND sequence < (SELECT last_sequence FROM head)),
  added AS (
    INSERT INTO change_events (${changeEventColumns})
    SELECT last_sequence, $1, $3, $4, $5, $6, $7 FROM head
    RETURNING sequence)
  SELECT sequence, pg_notify('${changeChannel}', sequence::text) FROM added`;

/** Appends an event on the writing transaction `tx` and returns its sequence. */
export type AppendPostgresChange = (tx: Queryable, event: NewChangeEvent) => Promise<number>;

/** How a PostgreSQL store stamps and keeps its events. */
export interface PostgresChangeOptions {
  /** Milliseconds since the epoch, for the event's `at`. */
  readonly now: number;
  /** Events older than this many milliseconds before `now` are pruned. */
  readonly retentionMs: number;
}

/**
 * Appends `event` on `tx`, which must be the transaction making the change: the event commits
 * with it or not at all. Call it last before the commit, so the feed's one lock is held briefly.
 * @returns the event's sequence
 */
export async function appendPostgresChange(
  tx: Queryable,
  event: NewChangeEvent,
  options: PostgresChangeOptions,
): Promise<number> {
  const [row] = await tx.rows(append, [
    options.now,
    options.now - options.retentionMs,
    ...changeEventValues(event),
  ]);
  return parseRow(sequenceRow, row, "change_events").sequence;
}

const headRow = z.object({ latest: bigintNumber, oldest: bigintNumber });
const head = `SELECT coalesce((SELECT last_sequence FROM change_feed_head WHERE id = 1), 0) AS latest,
  coalesce((SELECT min(sequence) FROM change_events),
           coalesce((SELECT last_sequence FROM change_feed_head WHERE id = 1), 0) + 1) AS oldest`;

/** Reads the feed's newest and oldest kept sequence in one statement (one snapshot). */
export async function readPostgresFeedHead(
  db: Queryable,
): Promise<{ latest: number; oldest: number }> {
  const [row] = await db.rows(head);
  return parseRow(headRow, row, "change_feed_head");
}

/** Reads up to `limit` events after `after` on `db`, oldest first. */
export async function readPostgresChanges(
  db: Queryable,
  after: number,
  limit: number,
): Promise<readonly ChangeEvent[]> {
  const rows = await db.rows(
    `SELECT ${changeEventColumns} FROM change_events WHERE sequence > $1 ORDER BY sequence LIMIT $2`,
    [after, limit],
  );
  return rows.map(readEvent);
}

const latestRow = z.object({ latest: bigintNumber });

/**
 * Reads up to `limit` events after `after` and the feed's latest sequence, in one statement (one
 * round trip and one snapshot): what a follower asks on every wake-up.
 */
export async function readPostgresChangesAndHead(
  db: Queryable,
  after: number,
  limit: number,
): Promise<{ latest: number; events: readonly ChangeEvent[] }> {
  const rows = await db.rows(
    `SELECT head.latest, e.* FROM
       (SELECT coalesce((SELECT last_sequence FROM change_feed_head WHERE id = 1), 0) AS latest) head
       LEFT JOIN LATERAL (
         SELECT ${changeEventColumns} FROM change_events WHERE sequence > $1
         ORDER BY sequence LIMIT $2) e ON true
     ORDER BY e.sequence`,
    [after, limit],
  );
  const [first] = rows;
  const latest = parseRow(latestRow, first, "change_feed_head").latest;
  const events = rows.filter(
    (row) => typeof row === "object" && row !== null && "sequence" in row && row.sequence !== null,
  );
  return { latest, events: events.map(readEvent) };
}

/** The {@link ChangeFeed} part of the PostgreSQL store. */
export function createPostgresChangeFeed(db: Queryable): ChangeFeed {
  return {
    readAfter: (after, limit) => readPostgresChanges(db, after, limit),
    async latestSequence() {
      return (await readPostgresFeedHead(db)).latest;
    },
    async oldestSequence() {
      return (await readPostgresFeedHead(db)).oldest;
    },
  };
}
