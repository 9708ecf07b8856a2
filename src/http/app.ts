// createApp: the HTTP face of Gatehouse — routes mounted, errors mapped, OpenAPI attached.
import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { isAuthError } from "../core/errors.ts";
import type { ItemStore } from "../core/items.ts";
import type { PasswordHasher } from "../core/passwords.ts";
import type { ScopeCatalogue } from "../core/scopes.ts";
import type { TokenService } from "../core/tokens.ts";
import type { UserStore } from "../core/users.ts";
import type { Logger } from "../logger.ts";
import type { AppEnv } from "./app-env.ts";
import { mountDocsPages } from "./docs-pages.ts";
import { errorAnswer, internalErrorAnswer } from "./error-responses.ts";
import type { OpenApiApp } from "./openapi.ts";
import { mountOpenApi } from "./openapi.ts";
import { securityHeaders } from "./security-headers.ts";
import { mountTokenRoute } from "./token-route.ts";
import { mountUserRoutes } from "./user-routes.ts";

/** What the HTTP layer is given; it picks no adapter itself. */
export interface AppDeps {
  readonly users: UserStore;
  readonly items: ItemStore;
  readonly hasher: PasswordHasher;
  readonly tokens: TokenService;
  readonly scopes: ScopeCatalogue;
  readonly strictGrantType: boolean;
  readonly logger: Logger;
}

/**
 * Builds the Hono app: `/token`, the seed's protected routes, `/openapi.json`, `/docs`, `/redoc`.
 * `/users/me` and `/users/me/` are the same route.
 * @example
 * const app = createApp(deps);
 * const res = await app.request("/users/me/", { headers: { authorization: `Bearer ${token}` } });
 */
export function createApp(deps: AppDeps): OpenApiApp {
  const app: OpenApiApp = new OpenAPIHono<AppEnv>({ strict: false });
  const { logger } = deps;

  app.use(async (c, next) => {
    const started = performance.now();
    const requestId = randomUUID();
    c.set("requestId", requestId);
    c.set("requiredScopes", []);
    // Set before the handler runs: a header added to a finished response makes Hono copy it into a
    // streamed one, which cost the protected routes most of their throughput (issue 6 profile).
    c.header("X-Request-Id", requestId);
    await next();
    logger.info("request", {
      requestId,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });
  app.use(securityHeaders());

  mountTokenRoute(app, { ...deps, strictGrantType: deps.strictGrantType });
  mountUserRoutes(app, deps);
  mountOpenApi(app, deps.scopes, "/token");
  mountDocsPages(app);

  app.notFound((c) => c.json({ detail: "Not Found" }, 404));
  app.onError((error, c) => {
    if (isAuthError(error)) {
      const answer = errorAnswer(error.code, "resource", c.get("requiredScopes"));
      return c.json(answer.body, answer.status, answer.headers);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return c.json({ detail: error.message || "Bad Request" }, error.status);
    }
    logger.error("unhandled error", { requestId: c.get("requestId"), error: describe(error) });
    return c.json(internalErrorAnswer.body, internalErrorAnswer.status);
  });
  return app;
}

// The cause chain, for the log only; messages of our errors never hold secrets.
function describe(error: unknown): unknown {
  if (!(error instanceof Error)) return String(error);
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    cause: describe(error.cause),
  };
}
