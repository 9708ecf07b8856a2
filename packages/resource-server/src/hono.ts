// The resource-server guard for Hono: a middleware that puts the verified principal on the context.
import type { Handler, MiddlewareHandler } from "hono";
import type { GuardOptions } from "./guard-outcome.ts";
import { checkGuardOptions, guardRequest } from "./guard-outcome.ts";
import type { ProtectedResource } from "./protected-resource.ts";
import { protectedResourceMetadataHeaders } from "./protected-resource.ts";
import type { RemotePrincipal, RemoteVerifier } from "./remote-verifier.ts";

/** The Hono env a guarded route sees: `c.var.gatehouse` is the verified principal. */
export interface GatehouseEnv {
  Variables: { gatehouse: RemotePrincipal };
}

/**
 * A Hono middleware admitting only requests whose bearer token `verifier` accepts with every
 * scope in `scopes`; others get 401 or 403 with an RFC 6750 challenge, saying which check failed
 * unless `options` say otherwise (see {@link GuardOptions}). Typed, so handlers after
 * it read `c.var.gatehouse` without any module augmentation.
 * @throws {TypeError} when `options.resourceMetadataUrl` is not an absolute URL
 * @example
 * app.get("/items", requireGatehouseToken(verifier, ["items"]), (c) =>
 *   c.json({ owner: c.var.gatehouse.subject }),
 * );
 */
export function requireGatehouseToken(
  verifier: RemoteVerifier,
  scopes: readonly string[] = [],
  options: GuardOptions = {},
): MiddlewareHandler<GatehouseEnv> {
  checkGuardOptions(options);
  return async (c, next) => {
    const outcome = await guardRequest(verifier, c.req.header("authorization"), scopes, options);
    if (outcome.kind === "refused") {
      const { status, body, headers } = outcome.answer;
      return c.json(body, status, headers);
    }
    c.set("gatehouse", outcome.principal);
    await next();
    return undefined;
  };
}

/**
 * A Hono handler serving `resource`'s RFC 9728 metadata; mount it at `resource.metadataPath`.
 * @example
 * app.get(resource.metadataPath, serveProtectedResourceMetadata(resource));
 */
export function serveProtectedResourceMetadata(resource: ProtectedResource): Handler {
  return (c) => c.json(resource.metadata, 200, protectedResourceMetadataHeaders);
}
