// The address a request came from, as the audit trail records it.
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/**
 * The peer's socket address, or `null` when the request did not arrive over a socket (an
 * in-process `app.request`). Proxy headers such as `X-Forwarded-For` are not read here.
 */
export function clientAddress(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    // No Node socket behind this request.
    return null;
  }
}
