// Scope guards: one declaration per route that enforces its scopes and documents them in OpenAPI.
import type { RouteConfig, z } from "@hono/zod-openapi";
import type { AuthorizeDeps } from "gatehouse-auth-core/authorize";
import { authorizeNow } from "gatehouse-auth-core/authorize";
import type { Awaitable } from "gatehouse-auth-core/awaitable";
import { isPending } from "gatehouse-auth-core/awaitable";
import { AuthError } from "gatehouse-auth-core/errors";
import { parseAuthorizationHeader } from "gatehouse-auth-core/protocol/authorization-header";
import {
  type ValidationIssue,
  validationAnswer,
} from "gatehouse-auth-core/protocol/error-responses";
import type { Scope, ScopeCatalogue } from "gatehouse-auth-core/scopes";
import type { Context, Handler } from "hono";
import type { AppEnv } from "./app-env.ts";
import { requestHeader } from "./node-bindings.ts";
import type { OpenApiApp } from "./openapi.ts";
import { parseJsonBody, validatePart } from "./request-validation.ts";

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

/** What a route declaration produces: the OpenAPI `security` entry and the enforcing check. */
export interface SecuredRoute {
  readonly security: { [securitySchemeName]: string[] }[];
  /**
   * Checks the request's bearer token against the guard and puts the {@link Principal} on the
   * context: at once (returning or throwing) when the stores answer at once, else by a promise.
   */
  readonly admit: (c: Context<AppEnv>) => Awaitable<void>;
}

/**
 * Makes the one declaration a route needs: enforcement and documentation come from the same
 * guard, so they cannot drift. The check reads only the `Authorization` header — never a
 * query string or body (RFC 9700 §2.5).
 */
export function secured(deps: AuthorizeDeps, guard: Guard): SecuredRoute {
  return {
    security: [{ [securitySchemeName]: [...guard.scopes] }],
    admit(c) {
      c.set("requiredScopes", guard.scopes);
      const header = parseAuthorizationHeader(requestHeader(c, "authorization"));
      switch (header.kind) {
        case "missing":
        case "other-scheme":
          throw new AuthError("token_missing", "no bearer credentials");
        case "malformed":
          throw new AuthError("token_invalid", "bearer token is not a b64token");
        case "bearer": {
          const principal = authorizeNow(deps, header.token, guard.scopes);
          if (isPending(principal)) {
            return principal.then((found) => {
              c.set("principal", found);
            });
          }
          c.set("principal", principal);
          return;
        }
        default: {
          const unreachable: never = header;
          throw new TypeError(`unhandled header kind ${String(unreachable)}`);
        }
      }
    },
  };
}

/** The HTTP methods a secured route may use. */
type SecuredMethod = "get" | "post" | "put" | "patch" | "delete";

/** The schemas of a secured route's input; each part that is given is validated. */
interface RequestSchemas<
  Params extends z.ZodObject,
  Query extends z.ZodObject,
  Body extends z.ZodType,
> {
  readonly params?: Params;
  readonly query?: Query;
  /** A JSON body. */
  readonly body?: Body;
}

/** A protected route of any method, declared once: guard, input schemas and documentation. */
export interface SecuredDeclaration<
  Params extends z.ZodObject = z.ZodObject,
  Query extends z.ZodObject = z.ZodObject,
  Body extends z.ZodType = z.ZodUnknown,
> {
  readonly method: SecuredMethod;
  /** As documented, with `{name}` path parameters, e.g. `/admin/users/{username}`. */
  readonly path: string;
  readonly guard: Guard;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly request?: RequestSchemas<Params, Query, Body>;
  readonly responses: RouteConfig["responses"];
}

/** What a secured handler receives once the token and every input part passed their checks. */
export interface SecuredInput<Params, Query, Body> {
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
}

async function readInput<
  Params extends z.ZodObject,
  Query extends z.ZodObject,
  Body extends z.ZodType,
>(
  c: Context<AppEnv>,
  schemas: RequestSchemas<Params, Query, Body>,
): Promise<
  | { ok: true; input: SecuredInput<z.output<Params>, z.output<Query>, z.output<Body>> }
  | { ok: false; issues: ValidationIssue[] }
> {
  const issues: ValidationIssue[] = [];
  const check = <S extends z.ZodType>(
    part: "path" | "query" | "body",
    schema: S | undefined,
    data: unknown,
  ): z.output<S> | undefined => {
    if (schema === undefined) return undefined;
    const result = validatePart(part, schema, data);
    if (result.ok) return result.value;
    issues.push(...result.issues);
    return undefined;
  };
  const params = check("path", schemas.params, c.req.param());
  const query = check("query", schemas.query, c.req.query());
  let body: z.output<Body> | undefined;
  if (schemas.body !== undefined) {
    const json = parseJsonBody(await c.req.text());
    if (json.ok) body = check("body", schemas.body, json.value);
    else issues.push(...json.issues);
  }
  if (issues.length > 0) return { ok: false, issues };
  // Every given schema passed just above; an absent one leaves its part undefined by design.
  return {
    ok: true,
    input: { params, query, body } as SecuredInput<
      z.output<Params>,
      z.output<Query>,
      z.output<Body>
    >,
  };
}

/**
 * Mounts a route of any method behind `declaration.guard`: the token is checked first (401/403
 * before any input is read), then path, query and JSON body against their schemas (FastAPI's
 * 422 on failure), then `handler` runs with the parsed input. The OpenAPI entry — security
 * requirement, parameters, body and responses — comes from the same declaration.
 */
export function mountSecured<
  Params extends z.ZodObject = z.ZodObject,
  Query extends z.ZodObject = z.ZodObject,
  Body extends z.ZodType = z.ZodUnknown,
>(
  app: OpenApiApp,
  deps: AuthorizeDeps,
  declaration: SecuredDeclaration<Params, Query, Body>,
  handler: (
    c: Context<AppEnv>,
    input: SecuredInput<z.output<Params>, z.output<Query>, z.output<Body>>,
  ) => Response | Promise<Response>,
): void {
  const schemas = declaration.request ?? {};
  // The body is capped app-wide (64 KiB on every method that carries one), before this runs.
  mountSecuredRoute(
    app,
    deps,
    {
      ...declaration,
      request: {
        ...(schemas.params === undefined ? {} : { params: schemas.params }),
        ...(schemas.query === undefined ? {} : { query: schemas.query }),
        ...(schemas.body === undefined
          ? {}
          : {
              body: { required: true, content: { "application/json": { schema: schemas.body } } },
            }),
      },
    },
    async (c) => {
      const read = await readInput(c, schemas);
      if (!read.ok) {
        const answer = validationAnswer(read.issues);
        return c.json(answer.body, answer.status, answer.headers);
      }
      return handler(c, read.input);
    },
  );
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
  const path = declaration.path.replace(/(?<=.)\/$/, "").replace(/\{(\w+)\}/g, ":$1");
  // One handler rather than guard middleware plus handler: each layer Hono composes costs a
  // chain of promises on every request (issue 6 profile). When the guard answers at once, so does
  // the route, and the Node adapter writes the response without waiting on a promise.
  app.on(declaration.method.toUpperCase(), path, (c, next) => {
    const admitted = route.admit(c);
    return isPending(admitted) ? admitted.then(() => handler(c, next)) : handler(c, next);
  });
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
