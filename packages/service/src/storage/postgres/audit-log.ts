// The AuditLog on PostgreSQL: the audit_events table of migration 005.
import type { AuditEvent, AuditLog, NewAuditEvent } from "gatehouse-auth-core/audit-log";
import { assertAuditPageSize } from "gatehouse-auth-core/audit-log";
import type { Clock } from "gatehouse-auth-core/clock";
import {
  auditEventColumns,
  auditEventValues,
  createAuditEventReader,
} from "../rows/audit-event-row.ts";
import type { PostgresPool } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

const readEvent = createAuditEventReader(bigintNumber);
const columns = auditEventColumns;

// One statement for every filter shape: a NULL parameter turns its condition off.
const select = `SELECT ${columns} FROM audit_events
  WHERE ($1::text IS NULL OR actor = $1::text OR subject = $1::text)
    AND ($2::bigint IS NULL OR time >= $2::bigint)
    AND ($3::bigint IS NULL OR time < $3::bigint)
    AND ($4::text IS NULL OR type = $4::text)
    AND ($5::bigint IS NULL OR id < $5::bigint)
  ORDER BY id DESC
  LIMIT $6`;

/**
 * Creates the {@link AuditLog} on a migrated PostgreSQL database. The table's trigger refuses
 * every UPDATE and every DELETE but the retention purge's, which marks its own transaction.
 */
export function createPostgresAuditLog(db: PostgresPool, clock: Clock): AuditLog {
  return {
    async record(event: NewAuditEvent): Promise<AuditEvent> {
      const [row] = await db.rows(
        `INSERT INTO audit_events (time, type, actor, subject, client_address, request_id, reason, details)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${columns}`,
        auditEventValues(event, clock.now()),
      );
      return readEvent(row);
    },

    async list(query) {
      assertAuditPageSize(query.limit);
      // One row more than asked tells whether another page follows.
      const rows = (
        await db.rows(select, [
          query.user ?? null,
          query.since ?? null,
          query.until ?? null,
          query.type ?? null,
          query.cursor ?? null,
          query.limit + 1,
        ])
      ).map(readEvent);
      const events = rows.slice(0, query.limit);
      const last = events.at(-1);
      return { events, nextCursor: rows.length > query.limit && last ? last.id : null };
    },

    async purgeBefore(time: number): Promise<number> {
      return db.transaction(async (tx) => {
        // Transaction-local: the trigger lets this transaction's deletes through, no other's.
        await tx.rows("SELECT set_config('gatehouse.audit_purge', 'on', true)");
        return tx.run("DELETE FROM audit_events WHERE time < $1", [time]);
      });
    },
  };
}
