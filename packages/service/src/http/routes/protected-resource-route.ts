// GET /.well-known/oauth-protected-resource: RFC 9728 metadata for Gatehouse's own protected
// routes (`/users/me/`, the admin API), naming Gatehouse itself as their authorization server.
import { z } from "@hono/zod-openapi";
import type { ScopeCatalogue } from "gatehouse-auth-core/scopes";
import type { OpenApiApp } from "../openapi.ts";
import { route } from "../route.ts";

/** Where the metadata is served (RFC 9728 §3): the resource identifier is the issuer. */
export const protectedResourcePath = "/.well-known/oauth-protected-resource";

/** What the route needs. */
export interface ProtectedResourceRouteDeps {
  readonly scopes: ScopeCatalogue;
  /** The configured issuer; when unset, the origin of each request. */
  readonly issuer?: string | undefined;
}

const protectedResourceSchema = z
  .object({
    resource: z.string(),
    authorization_servers: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    bearer_methods_supported: z.array(z.literal("header")),
    resource_name: z.string(),
    resource_documentation: z.string(),
  })
  .openapi("ProtectedResourceMetadata");

/** Mounts `GET /.well-known/oauth-protected-resource`. */
export function mountProtectedResourceRoute(
  app: OpenApiApp,
  deps: ProtectedResourceRouteDeps,
): void {
  route(
    app,
    {
      method: "get",
      path: protectedResourcePath,
      summary: "Protected resource metadata (RFC 9728)",
      tags: ["discovery"],
      responses: {
        200: {
          description: "This service as a resource: its authorization server and scopes",
          content: { "application/json": { schema: protectedResourceSchema } },
        },
      },
    },
    (c) => {
      const issuer = deps.issuer ?? new URL(c.req.url).origin;
      const metadata: z.infer<typeof protectedResourceSchema> = {
        resource: issuer,
        authorization_servers: [issuer],
        scopes_supported: [...deps.scopes.all],
        // The guard reads tokens only from the Authorization header (RFC 9700 §2.5).
        bearer_methods_supported: ["header"],
        resource_name: "Gatehouse",
        resource_documentation: `${issuer.replace(/\/+$/, "")}/docs`,
      };
      // As the authorization server metadata: a document derived from the Host header is not
      // for shared caches.
      const caching =
        deps.issuer === undefined
          ? { "Cache-Control": "private, max-age=300", Vary: "Host" }
          : { "Cache-Control": "public, max-age=300" };
      return c.json(metadata, 200, caching);
    },
  );
}
