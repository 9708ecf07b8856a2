// `gatehouse audit`: read the audit trail, newest first.

import type { AuditEvent } from "gatehouse-auth-core/audit-log";
import { auditEventTypes, isAuditEventType, maxAuditPageSize } from "gatehouse-auth-core/audit-log";
import { parseCommandArgs, UsageError } from "../arguments.ts";
import type { CommandDeps } from "../command.ts";
import type { CliIo } from "../io.ts";
import { formatTable as layOutTable } from "../text-table.ts";
import { parseTimeArgument } from "../time-argument.ts";

function formatTable(events: readonly AuditEvent[]): string {
  const rows = [
    ["TIME", "TYPE", "ACTOR", "SUBJECT", "ADDRESS", "REASON", "REQUEST"],
    ...events.map((e) => [
      new Date(e.time).toISOString(),
      e.type,
      e.actor ?? "-",
      e.subject ?? "-",
      e.clientAddress ?? "-",
      e.reason ?? "-",
      e.requestId ?? "-",
    ]),
  ];
  return layOutTable(rows);
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return 50;
  const limit = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= maxAuditPageSize)) {
    throw new UsageError(`--limit takes a whole number from 1 to ${maxAuditPageSize}`);
  }
  return limit;
}

/**
 * `gatehouse audit [--user NAME] [--since 1h|ISO] [--until 1h|ISO] [--type TYPE] [--limit N] [--json]`.
 * @throws {UsageError} for an unknown flag, type, time or limit
 */
export async function runAuditCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    {
      user: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      type: { type: "string" },
      limit: { type: "string" },
      json: { type: "boolean" },
    },
    { min: 0, max: 0 },
  );
  const type = values.type;
  if (type !== undefined && !isAuditEventType(type)) {
    throw new UsageError(`unknown event type ${type}; one of ${auditEventTypes.join(", ")}`);
  }
  const limit = parseLimit(values.limit);
  const services = await deps.services();
  const now = services.clock.now();
  const page = await services.store.audit.list({
    limit,
    ...(values.user === undefined ? {} : { user: values.user }),
    ...(values.since === undefined ? {} : { since: parseTimeArgument("since", values.since, now) }),
    ...(values.until === undefined ? {} : { until: parseTimeArgument("until", values.until, now) }),
    ...(type === undefined ? {} : { type }),
  });
  if (values.json === true) {
    const events = page.events.map((e) => ({ ...e, time: new Date(e.time).toISOString() }));
    io.stdout(`${JSON.stringify(events, null, 2)}\n`);
  } else {
    io.stdout(formatTable(page.events));
  }
  return 0;
}
