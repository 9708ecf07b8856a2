// A request body cap that, under Node's HTTP server, decides from Content-Length alone, so the body
// is later read straight from the socket instead of through a WHATWG Request and its stream.
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit as streamingBodyLimit } from "hono/body-limit";
import { nodeRequestOf } from "./node-bindings.ts";

const decimal = /^\d{1,15}$/;

/**
 * The declared length of a Node request's body, when it is the whole story: one Content-Length
 * field of plain digits and no Transfer-Encoding. Node's parser then delivers exactly that many
 * bytes as the body (more would be the next request on the connection). `undefined` otherwise.
 */
function declaredLength(c: Context): number | undefined {
  const incoming = nodeRequestOf(c.env);
  if (incoming === undefined) return undefined;
  const { headers } = incoming;
  if (headers["transfer-encoding"] !== undefined) return undefined;
  const length = headers["content-length"];
  return length !== undefined && decimal.test(length) ? Number(length) : undefined;
}

/**
 * Refuses a body over `maxSize` bytes with `onError`'s answer. A Node request that declares its
 * length is decided from the header without touching the body; any other request (chunked,
 * another runtime, `app.request` in tests) is counted as it streams, by Hono's `bodyLimit`.
 * @example
 * app.post("/token", limitBody({ maxSize: 16 * 1024, onError: (c) => c.json({}, 413) }), handler);
 */
export function limitBody(options: {
  readonly maxSize: number;
  readonly onError: (c: Context) => Response | Promise<Response>;
}): MiddlewareHandler {
  const streaming = streamingBodyLimit(options);
  return async function limitBody(c, next) {
    const length = declaredLength(c);
    if (length === undefined) return streaming(c, next);
    if (length > options.maxSize) return options.onError(c);
    await next();
    return undefined;
  };
}
