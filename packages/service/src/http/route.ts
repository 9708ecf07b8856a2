// The one way to declare a route: its zod schemas document the request in OpenAPI and parse it,
// and its guard's scopes are enforced and written as the route's OpenAPI security requirement.
import type { RouteConfig, z } from "@hono/zod-openapi";
import type { Principal } from "gatehouse-auth-core/authorize";
import type { Caller, PrincipalKind } from "gatehouse-auth-core/authorize-caller";
import type { ErrorAnswer, ValidationIssue } from "gatehouse-auth-core/protocol/error-responses";
import {
  errorAnswer,
  requestErrorAnswer,
  validationAnswer,
} from "gatehouse-auth-core/protocol/error-responses";
import type { Scope } from "gatehouse-auth-core/scopes";
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import type { Guard } from "./bearer.ts";
import { securitySchemeName } from "./bearer.ts";
import { limitBody } from "./body-limit.ts";
import { requestHeader } from "./node-bindings.ts";
import type { OpenApiApp } from "./openapi.ts";
import { parseJsonBody, validatePart } from "./request-validation.ts";

/** The HTTP methods a route may use. */
type Method = "get" | "post" | "put" | "patch" | "delete";

/**
 * A URL-encoded form as the OAuth endpoints take it: documented by `schema`, read by `read` (the
 * protocol's reader, which knows RFC 6749 §3.2's rules), `undefined` when the form is malformed.
 */
export interface FormPart<Form> {
  readonly schema: z.ZodType;
  readonly read: (body: string, contentType: string | undefined) => Form | undefined;
}

/** A request part's schema, or `undefined` when the route does not read that part. */
type Part<Schema extends z.ZodType> = Schema | undefined;

/** What a part parses to: its schema's output, or `undefined` for a part not declared. */
type Parsed<Schema> = Schema extends z.ZodType ? z.output<Schema> : undefined;

/** The parts of a request a route reads; each part given is documented and checked. */
export interface RouteRequest<
  Params extends Part<z.ZodObject>,
  Query extends Part<z.ZodObject>,
  Body extends Part<z.ZodType>,
  Form,
> {
  readonly params?: Params;
  readonly query?: Query;
  /** A JSON body; when it fails its schema, FastAPI's 422 names the field. */
  readonly body?: Body;
  /** A URL-encoded form; when it is malformed, RFC 6749 §5.2's 400 `invalid_request`. */
  readonly form?: FormPart<Form>;
}

/** A route, declared once: method, path, guard, request schemas and documentation. */
export interface RouteDeclaration<
  Params extends Part<z.ZodObject> = undefined,
  Query extends Part<z.ZodObject> = undefined,
  Body extends Part<z.ZodType> = undefined,
  Form = undefined,
  Guarded extends Caller = Principal,
> {
  readonly method: Method;
  /** As documented, with `{name}` path parameters; served with and without a trailing slash. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  /**
   * The scopes the route requires and the principals it accepts, enforced before any input is
   * read; none for an open route.
   */
  readonly guard?: Guard<Guarded>;
  /**
   * The OpenAPI security requirements of a route that checks credentials itself (client
   * authentication at `/revoke` and `/introspect`); a `guard` writes its own.
   */
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly request?: RouteRequest<Params, Query, Body, Form>;
  readonly responses: RouteConfig["responses"];
  /** A body cap below the app-wide one; a larger body is answered 413. */
  readonly maxBodyBytes?: number;
  /** `false` keeps the route out of the OpenAPI document (`/metrics` is for scrapers). */
  readonly documented?: boolean;
}

/** What a handler receives once the token and every declared input part passed their checks. */
export interface RouteInput<Params, Query, Body, Form> {
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  readonly form: Form;
}

type Outcome<T> =
  | { readonly ok: true; readonly input: T }
  | { readonly ok: false; readonly answer: ErrorAnswer };

/** Sends an answer of the error table. */
export function sendAnswer(c: Context, answer: ErrorAnswer): Response {
  return c.json(answer.body, answer.status, answer.headers);
}

/**
 * Mounts `handler` for `declaration`: the guard checks the token first (401/403 before any input
 * is read), then path, query and body are parsed by their schemas, then `handler` runs with the
 * parsed input. The OpenAPI entry — security requirement, parameters, body and responses — is
 * written from the same declaration, so documentation and enforcement cannot drift.
 * @example
 * route(app, { method: "get", path: "/users/me/", guard: me, summary: "…", tags: ["users"],
 *   responses }, (c) => c.json(present(c.var.principal.user), 200));
 */
export function route<
  Params extends Part<z.ZodObject> = undefined,
  Query extends Part<z.ZodObject> = undefined,
  Body extends Part<z.ZodType> = undefined,
  Form = undefined,
  Guarded extends Caller = Principal,
>(
  app: OpenApiApp,
  declaration: RouteDeclaration<Params, Query, Body, Form, Guarded>,
  handler: (
    c: Context<AppEnv<Guarded>>,
    input: RouteInput<Parsed<Params>, Parsed<Query>, Parsed<Body>, Form>,
  ) => Response | Promise<Response>,
): void {
  const { guard, method } = declaration;
  const request = declaration.request ?? {};
  if (declaration.documented !== false) document(app, declaration);
  // The app routes without strict trailing slashes, so "/users/me" and "/users/me/" are one route.
  const path = declaration.path.replace(/(?<=.)\/$/, "").replace(/\{(\w+)\}/g, ":$1");
  if (declaration.maxBodyBytes !== undefined) {
    app.on(
      method.toUpperCase(),
      path,
      limitBody({
        maxSize: declaration.maxBodyBytes,
        onError: (c) => sendAnswer(c, requestErrorAnswer("body_too_large")),
      }),
    );
  }
  const reads =
    request.params !== undefined ||
    request.query !== undefined ||
    request.body !== undefined ||
    request.form !== undefined;
  // Nothing is declared, so every part is undefined, as the types of undeclared parts say.
  const empty = {
    params: undefined,
    query: undefined,
    body: undefined,
    form: undefined,
  } as RouteInput<Parsed<Params>, Parsed<Query>, Parsed<Body>, Form>;
  // A route that reads nothing answers without a promise when its guard does (the hot path).
  const answer = reads
    ? (c: Context<AppEnv<Guarded>>): Promise<Response> =>
        readInput(c, request).then((read) =>
          read.ok ? handler(c, read.input) : sendAnswer(c, read.answer),
        )
    : (c: Context<AppEnv<Guarded>>): Response | Promise<Response> => handler(c, empty);
  // One handler rather than guard middleware plus handler: each layer Hono composes costs a
  // chain of promises on every request (issue 6 profile).
  app.on(
    method.toUpperCase(),
    path,
    guard === undefined
      ? // An open route has no principal to read, whatever its handler's context type names.
        (c: Context<AppEnv>) => answer(c as unknown as Context<AppEnv<Guarded>>)
      : (c: Context<AppEnv>) => guard.protect(c, answer),
  );
}

function document<
  Params extends Part<z.ZodObject>,
  Query extends Part<z.ZodObject>,
  Body extends Part<z.ZodType>,
  Form,
  Guarded extends Caller,
>(app: OpenApiApp, declaration: RouteDeclaration<Params, Query, Body, Form, Guarded>): void {
  const request = declaration.request ?? {};
  const body =
    request.body !== undefined
      ? { required: true, content: { "application/json": { schema: request.body } } }
      : request.form !== undefined
        ? {
            required: true,
            content: { "application/x-www-form-urlencoded": { schema: request.form.schema } },
          }
        : undefined;
  const documented = {
    ...(request.params === undefined ? {} : { params: request.params }),
    ...(request.query === undefined ? {} : { query: request.query }),
    ...(body === undefined ? {} : { body }),
  };
  app.openAPIRegistry.registerPath({
    method: declaration.method,
    path: declaration.path,
    summary: declaration.summary,
    ...describe(declaration),
    tags: [...declaration.tags],
    ...securityOf(declaration),
    ...(Object.keys(documented).length === 0 ? {} : { request: documented }),
    responses: declaration.responses,
  });
}

/** What each accepted kind of principal is called in a route's OpenAPI description. */
const principalNotes: Readonly<Record<PrincipalKind, string>> = {
  user: "a user's token (OAuth2 password flow)",
  client: "a client's own token (OAuth2 client credentials flow)",
};

/**
 * The route's description, and for a route whose guard accepts clients, a sentence saying who
 * may call and the `x-principals` extension listing the kinds (an OpenAPI security requirement
 * names a scheme, not one of its flows). A user-only route is documented as before.
 */
function describe(declaration: {
  readonly description?: string;
  readonly guard?: { readonly principals: readonly PrincipalKind[] };
}): { description?: string; "x-principals"?: PrincipalKind[] } {
  const principals = declaration.guard?.principals ?? [];
  const own = declaration.description;
  if (principals.length === 1 && principals[0] === "user") {
    return own === undefined ? {} : { description: own };
  }
  if (principals.length === 0) return own === undefined ? {} : { description: own };
  const accepts = `Accepts ${principals.map((kind) => principalNotes[kind]).join(" or ")}.`;
  return {
    description: own === undefined ? accepts : `${own}\n\n${accepts}`,
    "x-principals": [...principals],
  };
}

function securityOf(declaration: {
  readonly guard?: { readonly scopes: readonly Scope[] };
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
}): { security?: Record<string, string[]>[] } {
  if (declaration.guard !== undefined) {
    return { security: [{ [securitySchemeName]: [...declaration.guard.scopes] }] };
  }
  if (declaration.security === undefined) return {};
  return {
    security: declaration.security.map((requirement) =>
      Object.fromEntries(Object.entries(requirement).map(([name, scopes]) => [name, [...scopes]])),
    ),
  };
}

async function readInput<
  Params extends Part<z.ZodObject>,
  Query extends Part<z.ZodObject>,
  Body extends Part<z.ZodType>,
  Form,
>(
  c: Context,
  request: RouteRequest<Params, Query, Body, Form>,
): Promise<Outcome<RouteInput<Parsed<Params>, Parsed<Query>, Parsed<Body>, Form>>> {
  let form: Form | undefined;
  if (request.form !== undefined) {
    form = request.form.read(await c.req.text(), requestHeader(c, "content-type"));
    if (form === undefined) return { ok: false, answer: errorAnswer("invalid_request", "token") };
  }
  const issues: ValidationIssue[] = [];
  const check = (
    part: "path" | "query" | "body",
    schema: z.ZodType | undefined,
    data: () => unknown,
  ): unknown => {
    if (schema === undefined) return undefined;
    const result = validatePart(part, schema, data());
    if (result.ok) return result.value;
    issues.push(...result.issues);
    return undefined;
  };
  const params = check("path", request.params, () => c.req.param());
  const query = check("query", request.query, () => c.req.query());
  let body: unknown;
  if (request.body !== undefined) {
    const json = parseJsonBody(await c.req.text());
    if (json.ok) body = check("body", request.body, () => json.value);
    else issues.push(...json.issues);
  }
  if (issues.length > 0) return { ok: false, answer: validationAnswer(issues) };
  // Each declared part is its schema's output, having passed it just above; an undeclared one is
  // undefined, as Parsed says.
  const input = { params, query, body, form } as RouteInput<
    Parsed<Params>,
    Parsed<Query>,
    Parsed<Body>,
    Form
  >;
  return { ok: true, input };
}
