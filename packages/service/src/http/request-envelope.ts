// The envelope around every request: an id, the security headers, the request metrics and the
// access log. It wraps the app's fetch instead of being a Hono middleware, because each layer
// Hono composes costs a chain of promises per request: as a middleware it cost the protected
// routes a fifth of their throughput (issue 6 profile).
import { randomUUID } from "node:crypto";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { ClientAddressResolver } from "gatehouse-auth-core/protocol/client-address";
import { securityHeaders } from "gatehouse-auth-core/protocol/security-headers";
import type { Context } from "hono";
import type { Logger } from "../telemetry/logger.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { AppEnv } from "./app-env.ts";
import { EnvelopeResponse } from "./envelope-response.ts";
import { nodeResponseOf } from "./node-bindings.ts";
import type { OpenApiApp } from "./openapi.ts";

/** What the envelope knows of a request before the app routes it. */
interface RequestFacts {
  readonly requestId: string;
  readonly resolveClient: ClientAddressResolver;
  /** Found on first use: only the routes that record or throttle by address need it. */
  clientAddress?: string | null;
}

// The facts travel in the bindings Hono hands every handler as `c.env`, under a key of their own
// (the raw request is no key: the body cap replaces it when it reads a body).
const factsKey = Symbol("gatehouse.requestFacts");

function factsOf(c: Context<AppEnv>): RequestFacts {
  const env: unknown = c.env;
  const known =
    typeof env === "object" && env !== null
      ? (env as { [factsKey]?: RequestFacts })[factsKey]
      : undefined;
  // Every request the app serves passes through the envelope; this is a programming error.
  if (known === undefined) throw new TypeError("request served outside the envelope");
  return known;
}

/** The id of this request, also sent as `X-Request-Id` and written to the logs. */
export function requestId(c: Context<AppEnv>): string {
  return factsOf(c).requestId;
}

function socketPeer(c: Context<AppEnv>): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // No Node socket behind this request (app.request in tests, another runtime).
    return undefined;
  }
}

/** Where this request came from: the socket peer, or the client behind a trusted proxy. */
export function clientAddress(c: Context<AppEnv>): string | null {
  const known = factsOf(c);
  known.clientAddress ??=
    known.resolveClient(socketPeer(c), c.req.header("x-forwarded-for")) ?? null;
  return known.clientAddress;
}

/** What the envelope is given. */
export interface EnvelopeDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly resolveClient: ClientAddressResolver;
  /** The paths of middleware mounted on every path, which are not a route of their own. */
  readonly catchAllPaths: readonly string[];
}

/**
 * The route pattern that served a request, never its raw path: it bounds the metrics' label
 * cardinality and holds no user input. Hono routes the request again for it (a lookup in a
 * compiled router), since it keeps its own match to itself.
 */
function routeOf(app: OpenApiApp, request: Request, env: unknown, deps: EnvelopeDeps): string {
  const method = request.method === "HEAD" ? "GET" : request.method;
  const [handlers] = app.router.match(method, app.getPath(request, { env }));
  const route = handlers.at(-1)?.[0][1].path;
  return route === undefined || deps.catchAllPaths.includes(route) ? "unmatched" : route;
}

/**
 * Adds the envelope to `app`: `app.fetch` (and so `app.request`) gives each request an id, sets
 * the security headers and `X-Request-Id` (served through an {@link EnvelopeResponse}, in its
 * `writeHead`; otherwise onto the app's response; either way under whatever the route set), then
 * observes the status and duration and writes the access log line.
 */
export function addRequestEnvelope(app: OpenApiApp, deps: EnvelopeDeps): void {
  const dispatch = app.fetch;
  app.fetch = (request, env, executionCtx) => {
    const started = performance.now();
    const id = randomUUID();
    const bindings = {
      ...(env as object | undefined),
      [factsKey]: { requestId: id, resolveClient: deps.resolveClient },
    };
    const outgoing = nodeResponseOf(env);
    const carried = outgoing instanceof EnvelopeResponse;
    if (carried) outgoing.carry(id);
    const finish = (response: Response): Response => {
      const answer = carried ? response : withHeaders(response, id);
      const seconds = (performance.now() - started) / 1000;
      const route = routeOf(app, request, env, deps);
      deps.metrics.observeRequest(request.method, route, answer.status, seconds);
      deps.logger.info("request", {
        requestId: id,
        method: request.method,
        route,
        status: answer.status,
        durationMs: Math.round(seconds * 100_000) / 100,
      });
      return answer;
    };
    const response = dispatch(request, bindings, executionCtx);
    // Hono answers at once when the route did; waiting only when it did not keeps that saving.
    return response instanceof Promise ? response.then(finish) : finish(response);
  };
}

// Without an EnvelopeResponse (another runtime, or a Node server of the embedder's own): the
// envelope's headers join the response unless the route set its own value.
function withHeaders(response: Response, id: string): Response {
  let answer = response;
  try {
    answer.headers.set("X-Request-Id", id);
  } catch {
    // A response with immutable headers (e.g. Response.error()) is copied first.
    answer = new Response(response.body, response);
    answer.headers.set("X-Request-Id", id);
  }
  for (const [name, value] of securityHeaders) {
    if (!answer.headers.has(name)) answer.headers.set(name, value);
  }
  return answer;
}
