// The Node request and response behind a request, when the app is served by @hono/node-server.
// Reading and writing headers there skips building WHATWG Headers objects, which cost the protected
// routes a large share of their throughput (issue 6 profile). Without them (app.request in tests,
// another runtime) callers fall back to the Fetch API.
import { IncomingMessage, ServerResponse } from "node:http";
import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";

function bindings(env: unknown): Partial<HttpBindings> | undefined {
  return typeof env === "object" && env !== null ? (env as Partial<HttpBindings>) : undefined;
}

/** The Node response in a request's bindings; `undefined` when Node's HTTP server is not behind it. */
export function nodeResponseOf(env: unknown): ServerResponse | undefined {
  const outgoing = bindings(env)?.outgoing;
  return outgoing instanceof ServerResponse ? outgoing : undefined;
}

/**
 * One request header's value, repeated fields joined with ", " as the Fetch `Headers` class joins
 * them (so two `Authorization` fields read as one malformed value, never as the first of them).
 * On Node it reads the raw header list, which the parser already made: Node's `headers` keeps
 * only the first of some repeated fields, and `headersDistinct` builds an object of every field.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = bindings(c.env)?.incoming;
  if (!(incoming instanceof IncomingMessage)) return c.req.header(name);
  const wanted = name.toLowerCase();
  const raw = incoming.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const field = raw[i] as string; // rawHeaders alternates names and values
    if (field.length === wanted.length && field.toLowerCase() === wanted) {
      const found = raw[i + 1] as string;
      value = value === undefined ? found : `${value}, ${found}`;
    }
  }
  return value;
}

/** The Node request in a request's bindings; `undefined` when Node's HTTP server is not behind it. */
export function nodeRequestOf(env: unknown): IncomingMessage | undefined {
  const incoming = bindings(env)?.incoming;
  return incoming instanceof IncomingMessage ? incoming : undefined;
}

/**
 * Whether the client closed its connection before its request had all arrived: reading the body
 * then fails ("aborted"), which is the client's doing, not a fault of the service. `false`
 * without Node's HTTP server behind the request.
 */
export function isRequestAborted(env: unknown): boolean {
  const incoming = nodeRequestOf(env);
  return incoming?.destroyed === true && !incoming.complete;
}
