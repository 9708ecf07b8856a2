// POST /introspect: token introspection (RFC 7662) for resource servers holding the `introspect` scope.
import { z } from "@hono/zod-openapi";
import type { Clock } from "gatehouse-auth-core/clock";
import { errorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import { formatScopes } from "gatehouse-auth-core/scopes";
import type { Introspection } from "gatehouse-auth-core/tokens/introspect";
import { introspectToken } from "gatehouse-auth-core/tokens/introspect";
import type { RefreshTokenStore } from "gatehouse-auth-core/tokens/refresh-tokens";
import type { GuardDeps } from "../bearer.ts";
import { defineGuard, securitySchemeName } from "../bearer.ts";
import type { OpenApiApp } from "../openapi.ts";
import { clientSecuritySchemeName, errorSchema, oauthErrorSchema } from "../openapi.ts";
import type { RequestClientDeps } from "../request-client.ts";
import { requestClient } from "../request-client.ts";
import { route, sendAnswer } from "../route.ts";
import { tokenParameterForm } from "../token-parameter-schema.ts";

/** What the introspection route needs. */
export interface IntrospectRouteDeps extends RequestClientDeps {
  readonly guard: GuardDeps;
  readonly refreshTokens: RefreshTokenStore;
  readonly clock: Clock;
}

const maxBodyBytes = 16 * 1024;

const introspectionSchema = z
  .object({
    active: z.boolean(),
    token_type: z.enum(["bearer", "refresh_token"]).optional().openapi({
      description:
        "`bearer` for an access token (RFC 7662 §2.2 uses RFC 6749 §5.1 types); `refresh_token` for a refresh token, which is never a credential at a resource server",
    }),
    scope: z.string().optional(),
    sub: z.string().optional(),
    username: z.string().optional(),
    exp: z.number().int().optional(),
    iat: z.number().int().optional(),
    jti: z.string().optional(),
  })
  .openapi("Introspection");

type IntrospectionBody = z.infer<typeof introspectionSchema>;

/** RFC 7662 §2.2 member names; an inactive token gets `{"active": false}` and nothing else. */
function toWire(answer: Introspection): IntrospectionBody {
  if (!answer.active) return { active: false };
  return {
    active: true,
    // RFC 7662 §2.2 token_type is the RFC 6749 §5.1 type, as /token reports it. A refresh token
    // has no such type, so it is named apart: a resource server must accept only "bearer".
    token_type: answer.tokenType === "access_token" ? "bearer" : "refresh_token",
    scope: formatScopes(answer.scopes),
    sub: answer.subject,
    username: answer.subject,
    exp: answer.expiresAt,
    iat: answer.issuedAt,
    ...(answer.tokenId === undefined ? {} : { jti: answer.tokenId }),
  };
}

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/**
 * Mounts `POST /introspect` (RFC 7662 §2.1: the endpoint must be protected, or anyone could scan
 * for valid tokens). Two ways in: a confidential client allowed the `introspect` scope
 * authenticates with its credentials (HTTP Basic or form), or a bearer token carrying the
 * `introspect` scope.
 */
export function mountIntrospectRoute(app: OpenApiApp, deps: IntrospectRouteDeps): void {
  const introspection = {
    ...deps.guard,
    refreshTokens: deps.refreshTokens,
    clock: deps.clock,
    clients: deps.clients,
  };
  const guard = defineGuard(deps.guard, ["introspect"]);
  route(
    app,
    {
      method: "post",
      path: "/introspect",
      security: [{ [clientSecuritySchemeName]: [] }, { [securitySchemeName]: guard.scopes }],
      summary: "Introspect a token (RFC 7662)",
      tags: ["auth"],
      request: { form: tokenParameterForm },
      maxBodyBytes,
      responses: {
        200: json(introspectionSchema, "Whether the token is active, and its claims if so"),
        400: json(
          oauthErrorSchema,
          "Missing or repeated token parameter, inactive caller, two client authentication methods, or a client not allowed to introspect",
        ),
        401: json(
          errorSchema,
          "Not authenticated, client authentication failed, or the caller's token is invalid or expired",
        ),
        403: json(errorSchema, "The caller's token lacks the introspect scope"),
        413: json(errorSchema, "Body too large"),
      },
    },
    async (c, { form }) => {
      const answerFor = async (): Promise<Response> => {
        const answer = await introspectToken(introspection, form.token);
        return c.json(toWire(answer), 200, { "Cache-Control": "no-store" });
      };
      const who = await requestClient(c, deps, form);
      if (!who.ok) return sendAnswer(c, who.answer);
      // No client secret presented: the caller's bearer token must carry the scope.
      if (who.client === undefined || who.client.method === "none") {
        return guard.protect(c, answerFor);
      }
      if (!who.client.client.scopes.includes("introspect")) {
        return sendAnswer(c, errorAnswer("unauthorized_client", "token"));
      }
      return answerFor();
    },
  );
}
