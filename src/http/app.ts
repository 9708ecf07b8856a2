// createApp: the HTTP face of Gatehouse — routes mounted, errors mapped, OpenAPI attached.
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import type { AccessTokenDenylist } from "../core/access-token-denylist.ts";
import type { AuditLog } from "../core/audit-log.ts";
import type { Clock } from "../core/clock.ts";
import { isAuthError } from "../core/errors.ts";
import type { ItemStore } from "../core/items.ts";
import type { PublishedJwk } from "../core/key-material.ts";
import type { PasswordHasher } from "../core/passwords.ts";
import type { ReadinessCheck } from "../core/readiness.ts";
import type { RefreshPolicy, RefreshTokenStore } from "../core/refresh-tokens.ts";
import type { Scope, ScopeCatalogue } from "../core/scopes.ts";
import type { LoginThrottle } from "../core/throttle.ts";
import type { TokenService } from "../core/tokens.ts";
import type { UserDirectory } from "../core/user-directory.ts";
import type { UserStore } from "../core/users.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../metrics.ts";
import { mountAdminAuditRoutes } from "./admin-audit-routes.ts";
import { mountAdminRoutes } from "./admin-routes.ts";
import type { AppEnv } from "./app-env.ts";
import { limitBody } from "./body-limit.ts";
import type { ClientAddressResolver } from "./client-address.ts";
import { createClientAddressResolver } from "./client-address.ts";
import { mountDocsPages } from "./docs-pages.ts";
import { errorAnswer, internalErrorAnswer } from "./error-responses.ts";
import { mountHealthRoutes } from "./health-routes.ts";
import { mountIntrospectRoute } from "./introspect-route.ts";
import { mountJwksRoute } from "./jwks-route.ts";
import { mountLogoutAllRoute } from "./logout-all-route.ts";
import { mountMetadataRoute } from "./metadata-route.ts";
import { mountMetricsRoute } from "./metrics-route.ts";
import type { OpenApiApp } from "./openapi.ts";
import { mountOpenApi } from "./openapi.ts";
import { addRequestEnvelope, requestId } from "./request-envelope.ts";
import { mountRevokeRoute } from "./revoke-route.ts";
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
  readonly audit: AuditLog;
  readonly directory: UserDirectory;
  readonly metrics: Metrics;
  /** The bearer token `/metrics` requires; the route is open when unset. */
  readonly metricsToken?: string | undefined;
  readonly refreshTokens: RefreshTokenStore;
  readonly refreshPolicy: RefreshPolicy;
  readonly denylist: AccessTokenDenylist;
  readonly clock: Clock;
  /** Brute-force protection at `/token` (RFC 6749 §4.3.2). */
  readonly throttle: LoginThrottle;
  /** Answers `/readyz`; normally the store. */
  readonly readiness: ReadinessCheck;
  /** Finds a request's client address; the socket peer, trusting no proxy, by default. */
  readonly clientAddress?: ClientAddressResolver;
  /** True once shutdown began: `/readyz` then answers 503. */
  readonly draining?: () => boolean;
  /** The public signing keys served at `/.well-known/jwks.json`; none when absent. */
  readonly publicKeys?: (() => Promise<readonly PublishedJwk[]>) | undefined;
  /** The configured issuer for the metadata; the request origin when absent. */
  readonly issuer?: string | undefined;
}

/** The largest request body any route reads; `/token` has its own, smaller cap. */
const maxBodyBytes = 64 * 1024;

/** The methods whose requests may carry a body a route reads. */
const bodyMethods = ["POST", "PUT", "PATCH", "DELETE"];
const bodyLimitPath = "*";

/**
 * Builds the Hono app: `/token`, `/revoke`, `/introspect`, the seed's protected routes,
 * `/users/me/logout-all`, the admin API, `/metrics`, `/healthz`, `/readyz`,
 * `/.well-known/jwks.json`, `/.well-known/oauth-authorization-server`, `/openapi.json`, `/docs`,
 * `/redoc`.
 * `/users/me` and `/users/me/` are the same route.
 * @example
 * const app = createApp(deps);
 * const res = await app.request("/users/me/", { headers: { authorization: `Bearer ${token}` } });
 */
export function createApp(deps: AppDeps): OpenApiApp {
  const app: OpenApiApp = new OpenAPIHono<AppEnv>({ strict: false });
  const { logger } = deps;

  const capBody = limitBody({
    maxSize: maxBodyBytes,
    onError: (c) => c.json({ detail: "Request body too large" }, 413),
  });
  // Only methods that carry a body get the cap: for GET, asking for the body makes the Node
  // adapter build a full WHATWG Request, and the extra layer costs a chain of promises.
  app.on(bodyMethods, bodyLimitPath, capBody);

  mountTokenRoute(app, deps);
  mountRevokeRoute(app, deps);
  mountIntrospectRoute(app, deps);
  mountHealthRoutes(app, deps);
  mountUserRoutes(app, deps);
  mountAdminRoutes(app, deps);
  mountAdminAuditRoutes(app, deps);
  mountMetricsRoute(app, { metrics: deps.metrics, metricsToken: deps.metricsToken });
  mountLogoutAllRoute(app, deps);
  mountJwksRoute(app, deps);
  mountMetadataRoute(app, deps);
  mountOpenApi(app, deps.scopes, "/token");
  mountDocsPages(app);

  app.notFound((c) => c.json({ detail: "Not Found" }, 404));
  addRequestEnvelope(app, {
    logger,
    metrics: deps.metrics,
    resolveClient: deps.clientAddress ?? createClientAddressResolver([]),
    catchAllPaths: [bodyLimitPath],
  });
  app.onError((error, c) => {
    if (isAuthError(error)) {
      // A guard names the scopes it required; other routes have none to name.
      const required = (c.get("requiredScopes") as readonly Scope[] | undefined) ?? [];
      const answer = errorAnswer(error.code, "resource", required);
      return c.json(answer.body, answer.status, answer.headers);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return c.json({ detail: error.message || "Bad Request" }, error.status);
    }
    logger.error("unhandled error", { requestId: requestId(c), error: describe(error) });
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
