// createApp: the HTTP face of Gatehouse — routes mounted, errors mapped, OpenAPI attached.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AuditLog } from "gatehouse-auth-core/audit-log";
import type { Clock } from "gatehouse-auth-core/clock";
import { isAuthError } from "gatehouse-auth-core/errors";
import type { LoginThrottle } from "gatehouse-auth-core/grants/throttle";
import type { PublishedJwk } from "gatehouse-auth-core/keys/key-material";
import type { PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import type { ClientAddressResolver } from "gatehouse-auth-core/protocol/client-address";
import { createClientAddressResolver } from "gatehouse-auth-core/protocol/client-address";
import { errorAnswer, internalErrorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import type { ReadinessCheck } from "gatehouse-auth-core/readiness";
import type { Scope, ScopeCatalogue } from "gatehouse-auth-core/scopes";
import type { AccessTokenDenylist } from "gatehouse-auth-core/tokens/denylist";
import type { RefreshPolicy, RefreshTokenStore } from "gatehouse-auth-core/tokens/refresh-tokens";
import type { TokenService } from "gatehouse-auth-core/tokens/tokens";
import type { ItemStore } from "gatehouse-auth-core/users/items";
import type { UserStore } from "gatehouse-auth-core/users/user";
import type { UserDirectory } from "gatehouse-auth-core/users/user-directory";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "../telemetry/logger.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { AppEnv } from "./app-env.ts";
import { limitBody } from "./body-limit.ts";
import { mountDocsPages } from "./docs-pages.ts";
import type { OpenApiApp } from "./openapi.ts";
import { mountOpenApi } from "./openapi.ts";
import { addRequestEnvelope, requestId } from "./request-envelope.ts";
import { mountAdminAuditRoutes } from "./routes/admin-audit-routes.ts";
import { mountAdminRoutes } from "./routes/admin-routes.ts";
import { mountHealthRoutes } from "./routes/health-routes.ts";
import { mountIntrospectRoute } from "./routes/introspect-route.ts";
import { mountJwksRoute } from "./routes/jwks-route.ts";
import { mountLogoutAllRoute } from "./routes/logout-all-route.ts";
import { mountMetadataRoute } from "./routes/metadata-route.ts";
import { mountMetricsRoute } from "./routes/metrics-route.ts";
import { mountRevokeRoute } from "./routes/revoke-route.ts";
import { mountTokenRoute } from "./routes/token-route.ts";
import { mountUserRoutes } from "./routes/user-routes.ts";

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
