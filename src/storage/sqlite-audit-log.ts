// The AuditLog on SQLite: the audit_events table of migration 005.
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import type { AuditEvent, AuditLog, NewAuditEvent } from "../core/audit-log.ts";
import { assertAuditPageSize, auditEventTypes } from "../core/audit-log.ts";
import type { Clock } from "../core/clock.ts";

const detailsSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.null()]),
);

const eventRow = z.object({
  id: z.number().int(),
  time: z.number().int(),
  type: z.enum(auditEventTypes),
  actor: z.string().nullable(),
  subject: z.string().nullable(),
  client_address: z.string().nullable(),
  request_id: z.string().nullable(),
  reason: z.string().nullable(),
  details: z
    .string()
    .transform((text): unknown => JSON.parse(text))
    .pipe(detailsSchema),
});

const columns = "id, time, type, actor, subject, client_address, request_id, reason, details";

function readEvent(row: unknown): AuditEvent {
  const parsed = eventRow.safeParse(row);
  if (!parsed.success)
    throw new TypeError("malformed row in audit_events", { cause: parsed.error });
  const e = parsed.data;
  return {
    id: e.id,
    time: e.time,
    type: e.type,
    actor: e.actor,
    subject: e.subject,
    clientAddress: e.client_address,
    requestId: e.request_id,
    reason: e.reason,
    details: e.details,
  };
}

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
      return readEvent(
        insert.get(
          clock.now(),
          event.type,
          event.actor,
          event.subject,
          event.clientAddress,
          event.requestId,
          event.reason,
          JSON.stringify(event.details),
        ),
      );
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
