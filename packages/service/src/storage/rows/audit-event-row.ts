// An audit_events row as both SQL adapters read it, and its translation to an AuditEvent.

import type { AuditEvent, NewAuditEvent } from "gatehouse-auth-core/audit-log";
import { auditEventTypes } from "gatehouse-auth-core/audit-log";
import { z } from "zod";
import { parseRow } from "./parse-row.ts";

const detailsSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.null()]),
);

/** The columns every audit query selects. */
export const auditEventColumns =
  "id, time, type, actor, subject, client_address, request_id, reason, details";

/**
 * The values of one INSERT into audit_events, in the order of `time, type, actor, subject,
 * client_address, request_id, reason, details`.
 */
export function auditEventValues(event: NewAuditEvent, time: number): (string | number | null)[] {
  return [
    time,
    event.type,
    event.actor,
    event.subject,
    event.clientAddress,
    event.requestId,
    event.reason,
    JSON.stringify(event.details),
  ];
}

/**
 * Makes the reader of audit_events rows for one driver: `integer` parses its whole numbers
 * (numbers from node:sqlite, BIGINT strings from pg). The reader throws a `TypeError` for a row
 * that is not an audit event (a foreign writer or a missed migration).
 */
export function createAuditEventReader(integer: z.ZodType<number>): (row: unknown) => AuditEvent {
  const schema = z.object({
    id: integer,
    time: integer,
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
  return (row) => {
    const e = parseRow(schema, row, "audit_events");
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
  };
}
