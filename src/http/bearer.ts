// Scope guards: one declaration per route that enforces its scopes and documents them in OpenAPI.
import type { RouteConfig } from "@hono/zod-openapi";
import type { Handler, MiddlewareHandler } from "hono";
import type { AuthorizeDeps } from "../core/authorize.ts";
import { authorize } from "../core/authorize.ts";
import { AuthError } from "../core/errors.ts";
import type { Scope, ScopeCatalogue } from "../core/scopes.ts";
import type { AppEnv } from "./app-env.ts";
import { parseAuthorizationHeader } from "./authorization-header.ts";
import type { OpenApiApp } from "./openapi.ts";

/** The name of the OAuth2 security scheme in the OpenAPI document. */
export const securitySchemeName = "OAuth2PasswordBearer";

/**
 * A set of required scopes, built from the scopes it names plus those of the guards it uses —
 * FastAPI's `Security(dependency, scopes=[…])` chain, aggregated like `SecurityScopes`.
 */
export interface Guard {
  readonly scopes: readonly Scope[];
}

/**
 * Declares a guard needing `names` plus every scope of `uses`.
 * @throws {AuthError} invalid_scope when a name is not in the catalogue (a programming error at startup)
 * @example
 * const currentUser = defineGuard(scopes, ["me"]);
 * const ownItems = defineGuard(scopes, ["items"], currentUser); // needs "me items"
 */
export function defineGuard(
  catalogue: ScopeCatalogue,
  names: readonly string[],
  ...uses: readonly Guard[]
): Guard {
  const inherited = uses.flatMap((guard) => guard.scopes);
  return Object.freeze({ scopes: catalogue.check([...inherited, ...names]) });
}

/** What a route declaration produces: the OpenAPI `security` entry and the enforcing middleware. */
export interface SecuredRoute {
  readonly security: { [securitySchemeName]: string[] }[];
  readonly middleware: MiddlewareHandler<AppEnv>;
}

/**
 * Makes the one declaration a route needs: enforcement and documentation come from the same
 * guard, so they cannot drift. The middleware reads only the `Authorization` header — never a
 * query string or body (RFC 9700 §2.5) — and puts the {@link Principal} on the context.
 */
export function secured(deps: AuthorizeDeps, guard: Guard): SecuredRoute {
  return {
    security: [{ [securitySchemeName]: [...guard.scopes] }],
    middleware: async (c, next) => {
      c.set("requiredScopes", guard.scopes);
      const header = parseAuthorizationHeader(c.req.header("authorization"));
      switch (header.kind) {
        case "missing":
        case "other-scheme":
          throw new AuthError("token_missing", "no bearer credentials");
        case "malformed":
          throw new AuthError("token_invalid", "bearer token is not a b64token");
        case "bearer":
          c.set("principal", await authorize(deps, header.token, guard.scopes));
          await next();
          return;
        default: {
          const unreachable: never = header;
          throw new TypeError(`unhandled header kind ${String(unreachable)}`);
        }
      }
    },
  };
}

/** A protected GET route, declared once: its guard, its documentation and nothing else. */
export interface SecuredGetDeclaration {
  /** As documented, e.g. `/users/me/`; served with and without the trailing slash. */
  readonly path: string;
  readonly guard: Guard;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly responses: RouteConfig["responses"];
}

/** A protected route of any method, declared once; `request` documents its body. */
export interface SecuredRouteDeclaration extends SecuredGetDeclaration {
  readonly method: "get" | "post" | "put" | "patch" | "delete";
  readonly request?: RouteConfig["request"];
}

/**
 * Mounts a route behind `declaration.guard` and documents it with the same guard's scopes as its
 * OpenAPI `security` requirement.
 */
export function mountSecuredRoute(
  app: OpenApiApp,
  deps: AuthorizeDeps,
  declaration: SecuredRouteDeclaration,
  handler: Handler<AppEnv>,
): void {
  const route = secured(deps, declaration.guard);
  app.openAPIRegistry.registerPath({
    method: declaration.method,
    path: declaration.path,
    summary: declaration.summary,
    tags: [...declaration.tags],
    security: route.security,
    ...(declaration.request === undefined ? {} : { request: declaration.request }),
    responses: declaration.responses,
  });
  // The app routes without strict trailing slashes, so "/users/me" and "/users/me/" are one route.
  app.on(
    declaration.method.toUpperCase(),
    declaration.path.replace(/(?<=.)\/$/, ""),
    route.middleware,
    handler,
  );
}

/** A protected GET route: {@link mountSecuredRoute} with `method: "get"`. */
export function mountSecuredGet(
  app: OpenApiApp,
  deps: AuthorizeDeps,
  declaration: SecuredGetDeclaration,
  handler: Handler<AppEnv>,
): void {
  mountSecuredRoute(app, deps, { ...declaration, method: "get" }, handler);
}
