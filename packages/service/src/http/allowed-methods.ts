// Which methods the app serves a path under, read from the router's registered routes.
import type { OpenApiApp } from "./openapi.ts";

/** The methods a route may be declared with, in the order `Allow` lists them. */
const routeMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/**
 * The methods some route serves `request`'s path under, for a 405's `Allow` (RFC 9110 §10.2.1):
 * HEAD follows GET, as Hono answers HEAD with the GET route. Middleware mounted on every path
 * (`catchAllPaths`) is no route. Empty when no route has the path, which is then a 404.
 */
export function allowedMethods(
  app: OpenApiApp,
  request: Request,
  env: unknown,
  catchAllPaths: readonly string[],
): string[] {
  const path = app.getPath(request, { env });
  const allowed: string[] = [];
  for (const method of routeMethods) {
    const [handlers] = app.router.match(method, path);
    const routed = handlers.some(([[, registered]]) => !catchAllPaths.includes(registered.path));
    if (!routed) continue;
    allowed.push(method);
    if (method === "GET") allowed.push("HEAD");
  }
  return allowed;
}
