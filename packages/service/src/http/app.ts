// createApp: the HTTP face of Gatehouse — routes mounted, errors mapped, OpenAPI attached.
import { OpenAPIHono } from "@hono/zod-openapi";
import type { ChangeFeed } from "gatehouse-auth-core/changes/change-feed";
import type { SecurityEventSigner } from "gatehouse-auth-core/changes/security-event-token";
import type { ClientLookup } from "gatehouse-auth-core/clients/client-authentication";
import type { Clock } from "gatehouse-auth-core/clock";
import type { DevicePolicy } from "gatehouse-auth-core/device/device-authorization";
import { createDeviceVerifier } from "gatehouse-auth-core/device/device-verification";
import { isAuthError } from "gatehouse-auth-core/errors";
import type { DeviceProofs } from "gatehouse-auth-core/grants/device-proof";
import type { LoginThrottle } from "gatehouse-auth-core/grants/throttle";
import type { PublishedJwk } from "gatehouse-auth-core/keys/key-material";
import type { PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import type { PasswordPolicy } from "gatehouse-auth-core/passwords/password-policy";
import type { Store } from "gatehouse-auth-core/ports";
import { createClientAddressResolver } from "gatehouse-auth-core/protocol/client-address";
import {
  clientClosedStatus,
  errorAnswer,
  frameworkErrorAnswer,
  internalErrorAnswer,
  methodNotAllowedAnswer,
  requestErrorAnswer,
} from "gatehouse-auth-core/protocol/error-responses";
import type { Scope, ScopeCatalogue } from "gatehouse-auth-core/scopes";
import type { RefreshPolicy } from "gatehouse-auth-core/tokens/refresh-tokens";
import type { TokenService } from "gatehouse-auth-core/tokens/tokens";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { UnofficialStatusCode } from "hono/utils/http-status";
import type { Logger } from "../telemetry/logger.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { allowedMethods } from "./allowed-methods.ts";
import type { AppEnv } from "./app-env.ts";
import type { GuardDeps } from "./bearer.ts";
import { limitBody } from "./body-limit.ts";
import { mountDocsPages } from "./docs-pages.ts";
import { mountAuthorizeRoutes } from "./login/authorize-routes.ts";
import { mountLoginRoutes } from "./login/login-routes.ts";
import { createLoginSessions } from "./login/session.ts";
import { isRequestAborted } from "./node-bindings.ts";
import type { OpenApiApp } from "./openapi.ts";
import { mountOpenApi } from "./openapi.ts";
import { addRequestEnvelope, requestId } from "./request-envelope.ts";
import { sendAnswer } from "./route.ts";
import { mountAdminAuditRoutes } from "./routes/admin-audit-routes.ts";
import { mountAdminClientRoutes } from "./routes/admin-client-routes.ts";
import { mountAdminConsentRoutes } from "./routes/admin-consent-routes.ts";
import { mountAdminRoutes } from "./routes/admin-routes.ts";
import { mountDeviceAuthorizationRoute } from "./routes/device-authorization-route.ts";
import type { DeviceSession } from "./routes/device-page.ts";
import { mountDevicePage } from "./routes/device-page.ts";
import { mountHealthRoutes } from "./routes/health-routes.ts";
import { mountIntrospectRoute } from "./routes/introspect-route.ts";
import { mountJwksRoute } from "./routes/jwks-route.ts";
import { mountLogoutAllRoute } from "./routes/logout-all-route.ts";
import { endpointPaths, mountMetadataRoute } from "./routes/metadata-route.ts";
import { mountMetricsRoute } from "./routes/metrics-route.ts";
import { mountProtectedResourceRoute } from "./routes/protected-resource-route.ts";
import { mountRevokeRoute } from "./routes/revoke-route.ts";
import { mountSecurityEventsRoute } from "./routes/security-events-route.ts";
import { mountTokenRoute } from "./routes/token-route.ts";
import { mountUserRoutes } from "./routes/user-routes.ts";

/** The settings the HTTP layer reads; the service's settings carry them under these names. */
export interface AppSettings {
  /** Require `grant_type=password` at `/token` instead of accepting its absence. */
  readonly strictGrantType: boolean;
  /** The bearer token `/metrics` requires; the route is open when unset. */
  readonly metricsToken: string | undefined;
  /** The issuer the metadata names: the tokens' `iss`. */
  readonly issuer: string;
  /** Refuse the password grant unless a registered first-party client presents itself. */
  readonly passwordGrantRequiresClient: boolean;
  /** Peers whose `X-Forwarded-For` is believed when finding a request's client address. */
  readonly trustedProxies: readonly string[];
  /** How long a client secret replaced by a rotation stays valid beside the new one. */
  readonly clientSecretOverlapSeconds: number;
  /** `expires_in` and `interval` of device authorizations (RFC 8628 §3.2). */
  readonly deviceCodes: DevicePolicy;
  /** How long a login on the login page lasts, in seconds. */
  readonly loginSessionSeconds: number;
  /** Swagger UI offers the code flow through the registered `gatehouse-docs` client. */
  readonly docsClient: boolean;
  /** Browser origins allowed to call the token endpoint and the user routes (CORS). */
  readonly corsOrigins: readonly string[];
  /** How long `/token` holds back a refusal of a locked login (none when absent). */
  readonly throttleRefusalDelayMs?: number;
}

/**
 * What the HTTP layer is given — the composed services, as the composition root makes them; it
 * picks no adapter itself, and each route takes the ports it needs from `store` by name.
 */
export interface AppServices {
  readonly settings: AppSettings;
  readonly store: Store;
  readonly hasher: PasswordHasher;
  /** What new and changed passwords set over the admin API must be. */
  readonly passwordPolicy: PasswordPolicy;
  readonly tokens: TokenService;
  readonly scopes: ScopeCatalogue;
  readonly refreshPolicy: RefreshPolicy;
  /** Brute-force protection at `/token` (RFC 6749 §4.3.2). */
  readonly throttle: LoginThrottle;
  /** Device proofs for the password grant; off when absent. */
  readonly deviceProofs?: DeviceProofs;
  /** The registered clients, which authenticate at `/token`, `/revoke` and `/introspect`. */
  readonly clients: ClientLookup;
  /** The public signing keys served at `/.well-known/jwks.json`. */
  publicKeys(): Promise<readonly PublishedJwk[]>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Stands in for the login page's sessions at the `/device` page, where users approve devices
   * (tests); by default the page uses the sessions of `/login`.
   */
  readonly deviceSession?: DeviceSession | undefined;
  /**
   * The change feed published to resource servers at `/security-events`; the route is mounted
   * only when both it and {@link AppServices.securityEvents} are present.
   */
  readonly changes?: ChangeFeed;
  /** Signs the security event tokens of `/security-events`; absent with a shared-secret key. */
  readonly securityEvents?: SecurityEventSigner;
}

/** How one app differs from another on the same services. */
export interface AppOptions {
  /** True once shutdown began: `/readyz` then answers 503. */
  readonly draining?: () => boolean;
}

/** The largest request body any route reads; `/token` has its own, smaller cap. */
const maxBodyBytes = 64 * 1024;

/**
 * What a browser app on another origin calls (with `GATEHOUSE_CORS_ORIGINS`): the metadata it
 * discovers the endpoints from, the token and revocation endpoints, and the user's own routes.
 */
const corsPaths = [
  "/.well-known/oauth-authorization-server",
  "/token",
  "/revoke",
  "/users/me",
  "/users/me/*",
];

/** The methods whose requests may carry a body a route reads. */
const bodyMethods = ["POST", "PUT", "PATCH", "DELETE"];
// Hono registers "*" as "/*"; the envelope and the 405 compare against the registered path.
const bodyLimitPath = "/*";

/**
 * Builds the Hono app: `/token`, `/device_authorization` (and `/device` with a session), `/revoke`, `/introspect`, the seed's protected routes,
 * `/users/me/logout-all`, the admin API, `/metrics`, `/healthz`, `/readyz`,
 * `/.well-known/jwks.json`, `/.well-known/oauth-authorization-server`,
 * `/.well-known/oauth-protected-resource`, `/openapi.json`, `/docs`,
 * `/redoc`.
 * `/users/me` and `/users/me/` are the same route.
 * @example
 * const app = createApp(await composeServices(settings));
 * const res = await app.request("/users/me/", { headers: { authorization: `Bearer ${token}` } });
 */
export function createApp(services: AppServices, options: AppOptions = {}): OpenApiApp {
  const app: OpenApiApp = new OpenAPIHono<AppEnv>({ strict: false });
  const { logger, metrics, settings, store } = services;
  const { clock, hasher, scopes, tokens } = services;
  // A store that caches the guard's two reads (PostgreSQL) hands them over; the others read
  // their ports, current on every read.
  const reads = store.guardReads ?? store;
  const guard: GuardDeps = {
    users: reads.users,
    tokens,
    denylist: reads.denylist,
    // The store's cached client reads, unless the registry was replaced (a test's, say).
    clients:
      services.clients === store.clients
        ? (store.guardReads?.clients ?? services.clients)
        : services.clients,
    scopes,
  };

  const capBody = limitBody({
    maxSize: maxBodyBytes,
    onError: (c) => sendAnswer(c, requestErrorAnswer("body_too_large")),
  });
  // Only methods that carry a body get the cap: for GET, asking for the body makes the Node
  // adapter build a full WHATWG Request, and the extra layer costs a chain of promises.
  app.on(bodyMethods, bodyLimitPath, capBody);
  if (settings.corsOrigins.length > 0) {
    // Only where a browser app needs it, and only when configured: other routes pay nothing.
    const allowOrigins = cors({
      origin: [...settings.corsOrigins],
      allowMethods: ["GET", "POST"],
      allowHeaders: ["Authorization", "Content-Type"],
      maxAge: 600,
    });
    for (const path of corsPaths) app.use(path, allowOrigins);
  }

  // RFC 7523 §3: a client assertion names this server by its issuer or its token endpoint.
  const clientAssertions = {
    audiences: [settings.issuer, `${settings.issuer.replace(/\/+$/, "")}${endpointPaths.token}`],
    assertionIds: store.clients,
  };
  // Each route is given the ports it needs, by name: this is the one mapping from services.
  mountTokenRoute(app, {
    users: store.users,
    hasher,
    tokens,
    scopes,
    throttle: services.throttle,
    refreshTokens: store.refreshTokens,
    refreshPolicy: services.refreshPolicy,
    clock,
    audit: store.audit,
    metrics,
    strictGrantType: settings.strictGrantType,
    clients: services.clients,
    clientAssertions,
    passwordGrantRequiresClient: settings.passwordGrantRequiresClient,
    deviceCodes: store.deviceCodes,
    authorizationCodes: store.authorizationCodes,
    denylist: store.denylist,
    refusalDelayMs: settings.throttleRefusalDelayMs ?? 0,
    ...(services.deviceProofs === undefined ? {} : { deviceProofs: services.deviceProofs }),
  });
  const sessions = createLoginSessions({
    users: store.users,
    loginSessions: store.loginSessions,
    clock,
    issuer: settings.issuer,
    lifetimeSeconds: settings.loginSessionSeconds,
  });
  mountLoginRoutes(app, {
    sessions,
    deviceProofs: services.deviceProofs,
    users: store.users,
    hasher,
    throttle: services.throttle,
    audit: store.audit,
    clock,
    clients: services.clients,
    scopes,
    issuer: settings.issuer,
    metrics,
  });
  mountAuthorizeRoutes(app, {
    sessions,
    clients: services.clients,
    scopes,
    consents: store.consents,
    authorizationCodes: store.authorizationCodes,
    audit: store.audit,
    clock,
    issuer: settings.issuer,
  });
  const clientAuthentication = {
    clients: services.clients,
    clock,
    throttle: services.throttle,
    assertions: clientAssertions,
    audit: store.audit,
  };
  mountDeviceAuthorizationRoute(app, {
    deviceCodes: store.deviceCodes,
    clients: services.clients,
    scopes,
    clock,
    audit: store.audit,
    throttle: services.throttle,
    issuer: settings.issuer,
    policy: settings.deviceCodes,
  });
  mountDevicePage(app, {
    verifier: createDeviceVerifier({
      deviceCodes: store.deviceCodes,
      clients: services.clients,
      users: store.users,
      scopes,
      throttle: store.throttle,
      clock,
      audit: store.audit,
    }),
    scopes,
    session: services.deviceSession ?? sessions,
  });
  mountRevokeRoute(app, {
    tokens,
    refreshTokens: store.refreshTokens,
    denylist: store.denylist,
    ...clientAuthentication,
  });
  mountIntrospectRoute(app, {
    guard,
    refreshTokens: store.refreshTokens,
    ...clientAuthentication,
  });
  mountHealthRoutes(app, {
    readiness: store.readiness,
    ...(options.draining === undefined ? {} : { draining: options.draining }),
  });
  mountUserRoutes(app, { guard, items: store.items });
  mountAdminRoutes(app, {
    guard,
    users: store.users,
    refreshTokens: store.refreshTokens,
    directory: store.directory,
    audit: store.audit,
    hasher,
    passwordPolicy: services.passwordPolicy,
    clock,
  });
  mountAdminAuditRoutes(app, { guard, audit: store.audit });
  mountAdminClientRoutes(app, {
    guard,
    clients: store.clients,
    audit: store.audit,
    clock,
    secretOverlapSeconds: settings.clientSecretOverlapSeconds,
  });
  mountAdminConsentRoutes(app, {
    guard,
    users: store.users,
    consents: store.consents,
    audit: store.audit,
  });
  mountMetricsRoute(app, { metrics, metricsToken: settings.metricsToken });
  mountLogoutAllRoute(app, { guard, refreshTokens: store.refreshTokens, clock });
  if (services.changes !== undefined && services.securityEvents !== undefined) {
    mountSecurityEventsRoute(app, {
      changes: services.changes,
      signer: services.securityEvents,
      logger,
      ...clientAuthentication,
      ...(options.draining === undefined ? {} : { draining: options.draining }),
    });
  }
  mountJwksRoute(app, { publicKeys: services.publicKeys });
  mountMetadataRoute(app, { scopes, issuer: settings.issuer });
  mountProtectedResourceRoute(app, { scopes, issuer: settings.issuer });
  mountOpenApi(app, scopes, { tokenUrl: "/token", authorizationUrl: "/authorize" });
  mountDocsPages(app, settings.docsClient ? { clientId: "gatehouse-docs" } : {});

  // A path some route serves under other methods is a 405 with Allow, as Starlette answers; the
  // router is asked only here, off the path of every routed request.
  app.notFound((c) => {
    const allowed = allowedMethods(app, c.req.raw, c.env, [bodyLimitPath]);
    return sendAnswer(
      c,
      allowed.length === 0 ? requestErrorAnswer("not_found") : methodNotAllowedAnswer(allowed),
    );
  });
  addRequestEnvelope(app, {
    logger,
    metrics,
    resolveClient: createClientAddressResolver(settings.trustedProxies),
    catchAllPaths: [bodyLimitPath],
  });
  app.onError((error, c) => {
    // A client that hung up mid-body is no server fault: counted as 499, logged without a stack,
    // so nobody can trip the 5xx alerts by closing connections.
    if (isRequestAborted(c.env)) {
      logger.debug("client closed the connection before its request arrived", {
        requestId: requestId(c),
      });
      // Hono's documented way to name a status outside the registry; nobody receives this body.
      return c.body(null, clientClosedStatus as UnofficialStatusCode);
    }
    if (isAuthError(error)) {
      // A guard names the scopes it required; other routes have none to name.
      const required = (c.get("requiredScopes") as readonly Scope[] | undefined) ?? [];
      return sendAnswer(c, errorAnswer(error.code, "resource", required));
    }
    if (error instanceof HTTPException && error.status < 500) {
      return sendAnswer(c, frameworkErrorAnswer(error.status, error.message));
    }
    logger.error("unhandled error", { requestId: requestId(c), error: describe(error) });
    return sendAnswer(c, internalErrorAnswer);
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
