// The OpenAPI document: shared schemas, the OAuth2 password-flow security scheme, /openapi.json.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "@hono/zod-openapi";
import type { ScopeCatalogue } from "gatehouse-auth-core/scopes";
import type { AppEnv } from "./app-env.ts";
import { securitySchemeName } from "./bearer.ts";

/** The Hono app type every route module mounts on. */
export type OpenApiApp = OpenAPIHono<AppEnv>;

/** An OpenAPI response with a JSON body of `schema`, for a route's `responses`. */
export const jsonResponse = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** `{"detail": "..."}`, FastAPI's error body. */
export const errorSchema = z.object({ detail: z.string() }).openapi("HTTPError");

/** RFC 6749 §5.2 error body, with FastAPI's `detail` beside it. */
export const oauthErrorSchema = z
  .object({ error: z.string(), error_description: z.string(), detail: z.string() })
  .openapi("OAuthError");

/** FastAPI's 422 body. */
export const validationErrorSchema = z
  .object({
    detail: z.array(
      z.object({
        type: z.string(),
        loc: z.array(z.union([z.string(), z.number()])),
        msg: z.string(),
        input: z.unknown(),
      }),
    ),
  })
  .openapi("HTTPValidationError");

/** The HTTP Basic scheme a confidential client authenticates with at `/revoke` and `/introspect`. */
export const clientSecuritySchemeName = "ClientSecretBasic";

/**
 * Registers the `OAuth2PasswordBearer` scheme (the password flow and the client credentials
 * flow, scopes from the catalogue) and the `ClientSecretBasic` scheme, and serves the OpenAPI
 * 3.1 document at `/openapi.json`.
 */
export function mountOpenApi(
  app: OpenApiApp,
  scopes: ScopeCatalogue,
  urls: { readonly tokenUrl: string; readonly authorizationUrl: string },
): void {
  const { tokenUrl, authorizationUrl } = urls;
  app.openAPIRegistry.registerComponent("securitySchemes", securitySchemeName, {
    type: "oauth2",
    // The refresh grant is served by the same endpoint (RFC 6749 §6).
    flows: {
      password: { tokenUrl, refreshUrl: tokenUrl, scopes: { ...scopes.descriptions } },
      clientCredentials: { tokenUrl, scopes: { ...scopes.descriptions } },
      // PKCE S256 is required of every client; Swagger UI sends it when told to (docs-pages.ts).
      authorizationCode: {
        authorizationUrl,
        tokenUrl,
        refreshUrl: tokenUrl,
        scopes: { ...scopes.descriptions },
      },
    },
  });
  app.openAPIRegistry.registerComponent("securitySchemes", clientSecuritySchemeName, {
    type: "http",
    scheme: "basic",
    description: "A confidential client's id and secret, each form-encoded (RFC 6749 §2.3.1)",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Gatehouse",
      version: "0.1.0",
      description:
        "OAuth2 authorization code (with PKCE), password and client credentials grants, Bearer JWT access tokens and scopes. Use **Authorize** with a username and password, through the login page (authorization code, when the docs client is on), or with a confidential client's id and secret; tick the scopes, then try the routes.",
    },
  });
}
