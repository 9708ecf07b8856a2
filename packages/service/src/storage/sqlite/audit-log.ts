// The AuditLog on SQLite: the audit_events table of migration 005.
import type { DatabaseSync } from "node:sqlite";
import type { AuditEvent, AuditLog, NewAuditEvent } from "gatehouse-auth-core/audit-log";
import { assertAuditPageSize } from "gatehouse-auth-core/audit-log";
import type { Clock } from "gatehouse-auth-core/clock";
import { z } from "zod";
import {
  auditEventColumns,
  auditEventValues,
  createAuditEventReader,
} from "../rows/audit-event-row.ts";

const readEvent = createAuditEventReader(z.number().int());
const columns = auditEventColumns;

/** Creates the {@link AuditLog} on an open, migrated SQLite database. */
export function createSqliteAuditLog(db: DatabaseSync, clock: Clock): AuditLog {
  const insert = db.prepare(
    `INSERT INTO audit_events (time, type, actor, subject, client_address, request_id, reason, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${columns}`,
  );
  // One statement for every filter shape: a NULL parameter turns its condition off.
  const select = db.prepare(
    `SELECT ${columns} FROM audit_events
     WHERE (:user IS NULL OR actor = :user OR subject = :user)
       AND (:since IS NULL OR time >= :since)
       AND (:until IS NULL OR time < :until)
       AND (:type IS NULL OR type = :type)
       AND (:cursor IS NULL OR id < :cursor)
     ORDER BY id DESC
     LIMIT :limit`,
  );
  const purge = db.prepare("DELETE FROM audit_events WHERE time < ?");

  return {
    async record(event: NewAuditEvent): Promise<AuditEvent> {
      return readEvent(insert.get(...auditEventValues(event, clock.now())));
    },

    async list(query) {
      assertAuditPageSize(query.limit);
      // One row more than asked tells whether another page follows.
      const rows = select
        .all({
          user: query.user ?? null,
          since: query.since ?? null,
          until: query.until ?? null,
          type: query.type ?? null,
          cursor: query.cursor ?? null,
          limit: query.limit + 1,
        })
        .map(readEvent);
      const events = rows.slice(0, query.limit);
      const last = events.at(-1);
      return { events, nextCursor: rows.length > query.limit && last ? last.id : null };
    },

    async purgeBefore(time: number): Promise<number> {
      return Number(purge.run(time).changes);
    },
  };
}
