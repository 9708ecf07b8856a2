// GET /.well-known/oauth-authorization-server: RFC 8414 authorization server metadata.
import { z } from "@hono/zod-openapi";
import { clientAssertionAlgorithms } from "gatehouse-auth-core/clients/client-keys";
import type { ScopeCatalogue } from "gatehouse-auth-core/scopes";
import type { OpenApiApp } from "../openapi.ts";
import { route } from "../route.ts";
import { jwksPath } from "./jwks-route.ts";

/** Where the metadata is served (RFC 8414 §3). */
export const metadataPath = "/.well-known/oauth-authorization-server";

/**
 * The endpoints the metadata names, relative to the issuer. `/revoke` (RFC 7009) and
 * `/introspect` (RFC 7662) are the agreed paths of the token lifecycle routes.
 */
export const endpointPaths = {
  authorization: "/authorize",
  token: "/token",
  deviceAuthorization: "/device_authorization",
  revocation: "/revoke",
  introspection: "/introspect",
  jwks: jwksPath,
} as const;

const secretAuthMethods = ["client_secret_basic", "client_secret_post", "private_key_jwt"] as const;
const clientAuthMethods = [...secretAuthMethods, "none"] as const;

/** What the metadata route needs. */
export interface MetadataRouteDeps {
  readonly scopes: ScopeCatalogue;
  /** The configured issuer; when unset, the origin of each request is the issuer. */
  readonly issuer?: string | undefined;
}

const metadataSchema = z
  .object({
    issuer: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    device_authorization_endpoint: z.string(),
    revocation_endpoint: z.string(),
    introspection_endpoint: z.string(),
    jwks_uri: z.string(),
    grant_types_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
    response_modes_supported: z.array(z.string()),
    code_challenge_methods_supported: z.array(z.string()),
    authorization_response_iss_parameter_supported: z.boolean(),
    scopes_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    token_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
    revocation_endpoint_auth_methods_supported: z.array(z.string()),
    introspection_endpoint_auth_methods_supported: z.array(z.string()),
    service_documentation: z.string(),
  })
  .openapi("AuthorizationServerMetadata");

/** Mounts `GET /.well-known/oauth-authorization-server`. */
export function mountMetadataRoute(app: OpenApiApp, deps: MetadataRouteDeps): void {
  route(
    app,
    {
      method: "get",
      path: metadataPath,
      summary: "Authorization server metadata (RFC 8414)",
      tags: ["discovery"],
      responses: {
        200: {
          description: "Issuer, endpoints, grant types and scopes",
          content: { "application/json": { schema: metadataSchema } },
        },
      },
    },
    (c) => {
      const issuer = deps.issuer ?? new URL(c.req.url).origin;
      const at = (path: string): string => `${issuer.replace(/\/+$/, "")}${path}`;
      const metadata: z.infer<typeof metadataSchema> = {
        issuer,
        authorization_endpoint: at(endpointPaths.authorization),
        token_endpoint: at(endpointPaths.token),
        // RFC 8628 §4.
        device_authorization_endpoint: at(endpointPaths.deviceAuthorization),
        revocation_endpoint: at(endpointPaths.revocation),
        introspection_endpoint: at(endpointPaths.introspection),
        jwks_uri: at(endpointPaths.jwks),
        grant_types_supported: [
          "authorization_code",
          "password",
          "refresh_token",
          "client_credentials",
          "urn:ietf:params:oauth:grant-type:device_code",
        ],
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        // OAuth 2.1 and RFC 9700 §2.1.1: PKCE for every client, and S256 only.
        code_challenge_methods_supported: ["S256"],
        // RFC 9207: every authorization response carries `iss`.
        authorization_response_iss_parameter_supported: true,
        scopes_supported: [...deps.scopes.all],
        // RFC 8414 §2: confidential clients by Basic or form secret or a signed assertion
        // (private_key_jwt, asymmetric algorithms only); public clients by id alone.
        token_endpoint_auth_methods_supported: [...clientAuthMethods],
        token_endpoint_auth_signing_alg_values_supported: [...clientAssertionAlgorithms],
        revocation_endpoint_auth_methods_supported: [...clientAuthMethods],
        introspection_endpoint_auth_methods_supported: [...secretAuthMethods],
        service_documentation: at("/docs"),
      };
      // A document derived from the Host header must not be kept by a shared cache, or one
      // forged Host would be served to everyone (cache poisoning); a fixed issuer may be.
      const caching =
        deps.issuer === undefined
          ? { "Cache-Control": "private, max-age=300", Vary: "Host" }
          : { "Cache-Control": "public, max-age=300" };
      return c.json(metadata, 200, caching);
    },
  );
}
