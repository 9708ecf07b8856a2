// GET /metrics: the Prometheus scrape endpoint, optionally behind a static bearer token.
import { createHash, timingSafeEqual } from "node:crypto";
import { AuthError } from "gatehouse-auth-core/errors";
import { parseAuthorizationHeader } from "gatehouse-auth-core/protocol/authorization-header";
import type { Metrics } from "../../telemetry/metrics.ts";
import type { OpenApiApp } from "../openapi.ts";
import { route } from "../route.ts";

/** What the metrics route needs. */
export interface MetricsRouteDeps {
  readonly metrics: Metrics;
  /** When set, scrapers must send `Authorization: Bearer <token>`; when unset the route is open. */
  readonly metricsToken: string | undefined;
}

const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();

/** Mounts `GET /metrics` (left out of the OpenAPI document: it is for scrapers, not clients). */
export function mountMetricsRoute(app: OpenApiApp, deps: MetricsRouteDeps): void {
  const expected = deps.metricsToken === undefined ? undefined : digest(deps.metricsToken);
  route(
    app,
    {
      method: "get",
      path: "/metrics",
      summary: "Prometheus metrics",
      tags: ["system"],
      responses: { 200: { description: "The metrics in the Prometheus text format" } },
      documented: false,
    },
    async (c) => {
      if (expected !== undefined) {
        const header = parseAuthorizationHeader(c.req.header("authorization"));
        // Equal-length digests, compared in constant time, so timing does not reveal the token.
        const given = header.kind === "bearer" ? digest(header.token) : undefined;
        if (given === undefined || !timingSafeEqual(given, expected)) {
          // One bare challenge for a missing and a wrong token alike: nothing to probe.
          throw new AuthError("token_missing", "no valid metrics token");
        }
      }
      return c.body(await deps.metrics.render(), 200, {
        "Content-Type": deps.metrics.contentType,
        "Cache-Control": "no-store",
      });
    },
  );
}
