// createApp: the HTTP face of Gatehouse — routes mounted, errors mapped, OpenAPI attached.
import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { isAuthError } from "../core/errors.ts";
import type { ItemStore } from "../core/items.ts";
import type { PublishedJwk } from "../core/key-material.ts";
import type { PasswordHasher } from "../core/passwords.ts";
import type { ScopeCatalogue } from "../core/scopes.ts";
import type { TokenService } from "../core/tokens.ts";
import type { UserStore } from "../core/users.ts";
import type { Logger } from "../logger.ts";
import type { AppEnv } from "./app-env.ts";
import { mountDocsPages } from "./docs-pages.ts";
import { errorAnswer, internalErrorAnswer } from "./error-responses.ts";
import { mountJwksRoute } from "./jwks-route.ts";
import { mountMetadataRoute } from "./metadata-route.ts";
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
  /** The public signing keys served at `/.well-known/jwks.json`; none when absent. */
  readonly publicKeys?: (() => Promise<readonly PublishedJwk[]>) | undefined;
  /** The configured issuer for the metadata; the request origin when absent. */
  readonly issuer?: string | undefined;
}

/**
 * Builds the Hono app: `/token`, the seed's protected routes, `/.well-known/jwks.json`,
 * `/.well-known/oauth-authorization-server`, `/openapi.json`, `/docs`, `/redoc`.
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
    c.set("requestId", randomUUID());
    c.set("requiredScopes", []);
    await next();
    c.header("X-Request-Id", c.var.requestId);
    logger.info("request", {
      requestId: c.var.requestId,
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    });
  });
  app.use(securityHeaders());

  mountTokenRoute(app, { ...deps, strictGrantType: deps.strictGrantType });
  mountUserRoutes(app, deps);
  mountJwksRoute(app, deps);
  mountMetadataRoute(app, deps);
  mountOpenApi(app, deps.scopes, "/token");
  mountDocsPages(app);

  app.notFound((c) => c.json({ detail: "Not Found" }, 404));
  app.onError((error, c) => {
    if (isAuthError(error)) {
      const answer = errorAnswer(error.code, "resource", c.var.requiredScopes);
      return c.json(answer.body, answer.status, answer.headers);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return c.json({ detail: error.message || "Bad Request" }, error.status);
    }
    logger.error("unhandled error", { requestId: c.var.requestId, error: describe(error) });
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
