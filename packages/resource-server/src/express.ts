// The resource-server guard for Express: a middleware and a typed principal lookup.
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { GuardOptions } from "./guard-outcome.ts";
import { checkGuardOptions, guardRequest } from "./guard-outcome.ts";
import type { ProtectedResource } from "./protected-resource.ts";
import { protectedResourceMetadataHeaders } from "./protected-resource.ts";
import type { RemotePrincipal, RemoteVerifier } from "./remote-verifier.ts";

/** An Express guard: `require` makes middleware, `principal` reads what one admitted. */
export interface ExpressGatehouseGuard {
  /** Middleware that answers 401/403 (RFC 6750) unless the token has every scope. */
  require(scopes?: readonly string[]): RequestHandler;
  /**
   * The principal a `require` middleware admitted for `request`.
   * @throws {TypeError} when no guard ran for the request
   */
  principal(request: Request): RemotePrincipal;
}

/**
 * Creates the Express guard over `verifier`; `options` say how refusals are explained (see
 * {@link GuardOptions}). The principal is kept per request in a WeakMap, so
 * `req` needs no declaration merging; failures of the verifier itself go to `next(error)`.
 * @throws {TypeError} when `options.resourceMetadataUrl` is not an absolute URL
 * @example
 * const guard = createExpressGuard(verifier);
 * app.get("/items", guard.require(["items"]), (req, res) => {
 *   res.json({ owner: guard.principal(req).subject });
 * });
 */
export function createExpressGuard(
  verifier: RemoteVerifier,
  options: GuardOptions = {},
): ExpressGatehouseGuard {
  checkGuardOptions(options);
  const principals = new WeakMap<Request, RemotePrincipal>();
  return {
    require(scopes = []) {
      return (request: Request, response: Response, next: NextFunction): void => {
        guardRequest(verifier, request.headers.authorization, scopes, options).then((outcome) => {
          if (outcome.kind === "refused") {
            const { status, body, headers } = outcome.answer;
            response.status(status).set(headers).json(body);
            return;
          }
          principals.set(request, outcome.principal);
          next();
        }, next);
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
 * An Express handler serving `resource`'s RFC 9728 metadata; mount it at `resource.metadataPath`.
 * @example
 * app.get(resource.metadataPath, serveProtectedResourceMetadata(resource));
 */
export function serveProtectedResourceMetadata(resource: ProtectedResource): RequestHandler {
  return (_request: Request, response: Response): void => {
    response.set(protectedResourceMetadataHeaders).json(resource.metadata);
  };
}
