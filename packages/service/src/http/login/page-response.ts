// Answering with one of the authorization server's pages, and reading their form posts.
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { requestHeader } from "../node-bindings.ts";
import { pagePolicy } from "./pages.ts";

/**
 * Answers `html` with the pages' strict policy; `formTargets` adds the origins a form's
 * redirects may end at (see {@link pagePolicy}).
 */
export function sendPage(
  c: Context,
  html: string,
  status: ContentfulStatusCode = 200,
  options: {
    readonly formTargets?: readonly string[];
    readonly headers?: Record<string, string>;
  } = {},
): Response {
  return c.html(html, status, {
    "Content-Security-Policy": pagePolicy(options.formTargets),
    ...options.headers,
  });
}

/**
 * The fields of a URL-encoded form post; `undefined` for another content type or a field sent
 * twice (RFC 6749 §3.1's rule, kept for every form here). Empty values read as absent.
 */
export async function readPagedForm(
  c: Context,
): Promise<((name: string) => string | undefined) | undefined> {
  const type = requestHeader(c, "content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return undefined;
  const params = new URLSearchParams(await c.req.text());
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name)) return undefined;
    seen.add(name);
  }
  return (name) => {
    const value = params.get(name);
    return value === null || value === "" ? undefined : value;
  };
}
