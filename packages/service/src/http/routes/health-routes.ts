// GET /healthz (the process answers) and GET /readyz (this instance may take traffic).
import { z } from "@hono/zod-openapi";
import { notReadyAnswer } from "gatehouse-auth-core/protocol/error-responses";
import type { ReadinessCheck } from "gatehouse-auth-core/readiness";
import type { OpenApiApp } from "../openapi.ts";
import { route, sendAnswer } from "../route.ts";

/** What the health routes need. */
export interface HealthRouteDeps {
  readonly readiness: ReadinessCheck;
  /** True once shutdown began, so load balancers stop sending before the listener closes. */
  readonly draining?: () => boolean;
}

const statusSchema = z
  .object({
    status: z.string(),
    detail: z.string().optional(),
    reads: z.enum(["cached", "direct"]).optional().openapi({
      description:
        "PostgreSQL: whether the hot path answers from the caches the change feed keeps current, or reads the database",
    }),
  })
  .openapi("HealthStatus");

const json = (description: string) => ({
  description,
  content: { "application/json": { schema: statusSchema } },
});

/** Mounts `/healthz` (always 200 while the process serves) and `/readyz` (200 or 503). */
export function mountHealthRoutes(app: OpenApiApp, deps: HealthRouteDeps): void {
  route(
    app,
    {
      method: "get",
      path: "/healthz",
      summary: "Liveness: the process is up",
      tags: ["system"],
      responses: { 200: json("Alive") },
    },
    (c) => c.json({ status: "ok" }, 200),
  );
  route(
    app,
    {
      method: "get",
      path: "/readyz",
      summary: "Readiness: the database is reachable and its schema current",
      tags: ["system"],
      responses: { 200: json("Ready"), 503: json("Not ready, or shutting down") },
    },
    async (c) => {
      if (deps.draining?.() === true) return sendAnswer(c, notReadyAnswer("shutting down"));
      const readiness = await deps.readiness.checkReady();
      return readiness.ok
        ? c.json(
            {
              status: "ready",
              ...(readiness.reads === undefined ? {} : { reads: readiness.reads }),
            },
            200,
          )
        : sendAnswer(c, notReadyAnswer(readiness.detail));
    },
  );
}
