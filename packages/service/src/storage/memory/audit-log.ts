// The AuditLog in process memory, with the SQL adapters' behaviour.
import type { AuditEvent, AuditLog, NewAuditEvent } from "gatehouse-auth-core/audit-log";
import { assertAuditPageSize } from "gatehouse-auth-core/audit-log";
import type { Clock } from "gatehouse-auth-core/clock";

/** Creates an empty in-memory {@link AuditLog}; events going in and out are copies. */
export function createMemoryAuditLog(clock: Clock): AuditLog {
  let events: AuditEvent[] = [];
  let nextId = 1;
  const copy = (event: AuditEvent): AuditEvent => ({ ...event, details: { ...event.details } });

  return {
    async record(event: NewAuditEvent): Promise<AuditEvent> {
      const stored = { ...event, details: { ...event.details }, id: nextId++, time: clock.now() };
      events.push(stored);
      return copy(stored);
    },

    async list(query) {
      assertAuditPageSize(query.limit);
      const matching = events
        .filter(
          (e) =>
            (query.user === undefined || e.actor === query.user || e.subject === query.user) &&
            (query.since === undefined || e.time >= query.since) &&
            (query.until === undefined || e.time < query.until) &&
            (query.type === undefined || e.type === query.type) &&
            (query.cursor === undefined || e.id < query.cursor),
        )
        .reverse();
      const page = matching.slice(0, query.limit).map(copy);
      const last = page.at(-1);
      return { events: page, nextCursor: matching.length > query.limit && last ? last.id : null };
    },

    async purgeBefore(time: number): Promise<number> {
      const before = events.length;
      events = events.filter((e) => e.time >= time);
      return before - events.length;
    },
  };
}
