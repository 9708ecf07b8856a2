// The resource-server guard for Fastify: a preHandler hook and a typed principal lookup.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { GuardOptions } from "./guard-outcome.ts";
import { checkGuardOptions, guardRequest } from "./guard-outcome.ts";
import type { ProtectedResource, ProtectedResourceMetadata } from "./protected-resource.ts";
import { protectedResourceMetadataHeaders } from "./protected-resource.ts";
import type { RemotePrincipal, RemoteVerifier } from "./remote-verifier.ts";

/** A Fastify guard: `require` makes preHandler hooks, `principal` reads what one admitted. */
export interface FastifyGatehouseGuard {
  /** A preHandler that answers 401/403 (RFC 6750) unless the token has every scope. */
  require(
    scopes?: readonly string[],
  ): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  /**
   * The principal a `require` hook admitted for `request`.
   * @throws {TypeError} when no guard ran for the request (a route without the hook)
   */
  principal(request: FastifyRequest): RemotePrincipal;
}

/**
 * Creates the Fastify guard over `verifier`; `options` say how refusals are explained (see
 * {@link GuardOptions}). The principal is kept per request in a WeakMap, so
 * no declaration merging on `FastifyRequest` is needed and it goes away with the request.
 * @throws {TypeError} when `options.resourceMetadataUrl` is not an absolute URL
 * @example
 * const guard = createFastifyGuard(verifier);
 * app.get("/items", { preHandler: guard.require(["items"]) }, async (request) => ({
 *   owner: guard.principal(request).subject,
 * }));
 */
export function createFastifyGuard(
  verifier: RemoteVerifier,
  options: GuardOptions = {},
): FastifyGatehouseGuard {
  checkGuardOptions(options);
  const principals = new WeakMap<FastifyRequest, RemotePrincipal>();
  return {
    require(scopes = []) {
      return async (request, reply) => {
        const outcome = await guardRequest(
          verifier,
          request.headers.authorization,
          scopes,
          options,
        );
        if (outcome.kind === "refused") {
          const { status, body, headers } = outcome.answer;
          // Fastify: an async hook that answers early returns the reply, so the route never runs.
          return reply.code(status).headers(headers).send(body);
        }
        principals.set(request, outcome.principal);
        return undefined;
      };
    },
    principal(request) {
      const principal = principals.get(request);
      if (principal === undefined) throw new TypeError("no Gatehouse guard ran for this request");
      return principal;
    },
  };
}

/**
 * A Fastify handler serving `resource`'s RFC 9728 metadata; mount it at `resource.metadataPath`.
 * @example
 * app.get(resource.metadataPath, serveProtectedResourceMetadata(resource));
 */
export function serveProtectedResourceMetadata(
  resource: ProtectedResource,
): (request: FastifyRequest, reply: FastifyReply) => Promise<ProtectedResourceMetadata> {
  return async (_request, reply) => {
    reply.headers(protectedResourceMetadataHeaders);
    return resource.metadata;
  };
}
