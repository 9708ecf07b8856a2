// The HTTP app for a composed set of services: the one mapping from Services to createApp's deps.

import { createClientAddressResolver } from "gatehouse-auth-core/protocol/client-address";
import { createApp } from "../http/app.ts";
import type { OpenApiApp } from "../http/openapi.ts";
import type { Services } from "./compose.ts";

/** Builds the Hono app serving `services`, configured by their settings. */
export function createServiceApp(
  services: Services,
  options: { readonly draining?: () => boolean } = {},
): OpenApiApp {
  const { settings, store } = services;
  return createApp({
    users: store,
    items: store,
    hasher: services.hasher,
    tokens: services.tokens,
    scopes: services.scopes,
    strictGrantType: settings.strictGrantType,
    logger: services.logger,
    refreshTokens: store,
    refreshPolicy: services.refreshPolicy,
    denylist: store,
    clock: services.clock,
    audit: store.audit,
    directory: store,
    metrics: services.metrics,
    metricsToken: settings.metricsToken,
    throttle: services.throttle,
    publicKeys: services.publicKeys,
    issuer: settings.issuer,
    readiness: store,
    clientAddress: createClientAddressResolver(settings.trustedProxies),
    ...(options.draining === undefined ? {} : { draining: options.draining }),
  });
}
