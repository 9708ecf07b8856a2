// createApp: the HTTP face of Gatehouse — routes mounted, errors mapped, OpenAPI attached.
import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { isAuthError } from "../core/errors.ts";
import type { ItemStore } from "../core/items.ts";
import type { PasswordHasher } from "../core/passwords.ts";
import type { ReadinessCheck } from "../core/readiness.ts";
import type { ScopeCatalogue } from "../core/scopes.ts";
import type { LoginThrottle } from "../core/throttle.ts";
import type { TokenService } from "../core/tokens.ts";
import type { UserStore } from "../core/users.ts";
import type { Logger } from "../logger.ts";
import type { AppEnv } from "./app-env.ts";
import type { ClientAddressResolver } from "./client-address.ts";
import { createClientAddressResolver } from "./client-address.ts";
import { mountDocsPages } from "./docs-pages.ts";
import { errorAnswer, internalErrorAnswer } from "./error-responses.ts";
import { mountHealthRoutes } from "./health-routes.ts";
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
  /** Brute-force protection at `/token` (RFC 6749 §4.3.2). */
  readonly throttle: LoginThrottle;
  /** Answers `/readyz`; normally the store. */
  readonly readiness: ReadinessCheck;
  /** Finds a request's client address; the socket peer, trusting no proxy, by default. */
  readonly clientAddress?: ClientAddressResolver;
  /** True once shutdown began: `/readyz` then answers 503. */
  readonly draining?: () => boolean;
}

/** The largest request body any route reads; `/token` has its own, smaller cap. */
const maxBodyBytes = 64 * 1024;

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
  app.use(
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => c.json({ detail: "Request body too large" }, 413),
    }),
  );

  mountTokenRoute(app, {
    ...deps,
    clientAddress: deps.clientAddress ?? createClientAddressResolver([]),
  });
  mountHealthRoutes(app, deps);
  mountUserRoutes(app, deps);
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
