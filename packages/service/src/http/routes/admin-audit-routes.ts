// GET /admin/audit: the audit trail, newest first, guarded by audit:read; a service client (a
// SIEM exporter) may read it with its own client_credentials token.
import { z } from "@hono/zod-openapi";
import type { AuditEvent, AuditLog } from "gatehouse-auth-core/audit-log";
import { auditEventTypes, maxAuditPageSize } from "gatehouse-auth-core/audit-log";
import type { GuardDeps } from "../bearer.ts";
import { defineGuard } from "../bearer.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, jsonResponse, validationErrorSchema } from "../openapi.ts";
import { route } from "../route.ts";

/** What the audit route needs. */
export interface AdminAuditRouteDeps {
  readonly guard: GuardDeps;
  readonly audit: AuditLog;
}

const auditEventSchema = z
  .object({
    id: z.number().int(),
    time: z.string().openapi({ format: "date-time" }),
    type: z.enum(auditEventTypes),
    actor: z.string().nullable(),
    subject: z.string().nullable(),
    client_address: z.string().nullable(),
    request_id: z.string().nullable(),
    reason: z.string().nullable(),
    details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  })
  .openapi("AuditEvent");

const instant = z.iso
  .datetime({ offset: true, message: "Must be an ISO 8601 date-time, e.g. 2026-01-01T00:00:00Z" })
  .transform((text) => Date.parse(text));

const auditQuery = z.object({
  user: z.string().max(64).optional().openapi({ description: "Actor or subject username" }),
  since: instant.optional().openapi({ description: "Events at or after this time" }),
  until: instant.optional().openapi({ description: "Events before this time" }),
  type: z.enum(auditEventTypes).optional(),
  cursor: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(maxAuditPageSize).default(100),
});

function present(event: AuditEvent): z.infer<typeof auditEventSchema> {
  return {
    id: event.id,
    time: new Date(event.time).toISOString(),
    type: event.type,
    actor: event.actor,
    subject: event.subject,
    client_address: event.clientAddress,
    request_id: event.requestId,
    reason: event.reason,
    details: { ...event.details },
  };
}

/** Mounts `GET /admin/audit`. */
export function mountAdminAuditRoutes(app: OpenApiApp, deps: AdminAuditRouteDeps): void {
  route(
    app,
    {
      method: "get",
      path: "/admin/audit",
      guard: defineGuard(deps.guard, { scopes: ["audit:read"], principals: ["user", "client"] }),
      summary: "Read the audit trail, newest first",
      tags: ["admin"],
      request: { query: auditQuery },
      responses: {
        200: jsonResponse(
          z
            .object({ events: z.array(auditEventSchema), next_cursor: z.number().int().nullable() })
            .openapi("AuditPage"),
          "A page of events",
        ),
        400: jsonResponse(errorSchema, "Inactive user"),
        401: jsonResponse(
          errorSchema,
          "Not authenticated, or the token is invalid or expired, or its client is disabled",
        ),
        403: jsonResponse(errorSchema, "The token lacks a required scope"),
        422: jsonResponse(validationErrorSchema, "Invalid query"),
      },
    },
    async (c, { query }) => {
      const page = await deps.audit.list({
        limit: query.limit,
        ...(query.user === undefined ? {} : { user: query.user }),
        ...(query.since === undefined ? {} : { since: query.since }),
        ...(query.until === undefined ? {} : { until: query.until }),
        ...(query.type === undefined ? {} : { type: query.type }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      });
      return c.json({ events: page.events.map(present), next_cursor: page.nextCursor }, 200, {
        "Cache-Control": "no-store",
      });
    },
  );
}
