// POST /introspect: token introspection (RFC 7662) for resource servers holding the `introspect` scope.
import { z } from "@hono/zod-openapi";
import type { Clock } from "gatehouse-auth-core/clock";
import { formatScopes } from "gatehouse-auth-core/scopes";
import type { Introspection } from "gatehouse-auth-core/tokens/introspect";
import { introspectToken } from "gatehouse-auth-core/tokens/introspect";
import type { RefreshTokenStore } from "gatehouse-auth-core/tokens/refresh-tokens";
import type { GuardDeps } from "../bearer.ts";
import { defineGuard } from "../bearer.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, oauthErrorSchema } from "../openapi.ts";
import { route } from "../route.ts";
import { tokenParameterForm } from "../token-parameter-schema.ts";

/** What the introspection route needs. */
export interface IntrospectRouteDeps {
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
 * Mounts `POST /introspect`, guarded by the `introspect` scope (RFC 7662 §2.1: the endpoint must
 * be protected, or anyone could scan for valid tokens).
 */
export function mountIntrospectRoute(app: OpenApiApp, deps: IntrospectRouteDeps): void {
  const introspection = { ...deps.guard, refreshTokens: deps.refreshTokens, clock: deps.clock };
  route(
    app,
    {
      method: "post",
      path: "/introspect",
      guard: defineGuard(deps.guard, ["introspect"]),
      summary: "Introspect a token (RFC 7662)",
      tags: ["auth"],
      request: { form: tokenParameterForm },
      maxBodyBytes,
      responses: {
        200: json(introspectionSchema, "Whether the token is active, and its claims if so"),
        400: json(oauthErrorSchema, "Missing or repeated token parameter, or inactive caller"),
        401: json(errorSchema, "Not authenticated, or the caller's token is invalid or expired"),
        403: json(errorSchema, "The caller's token lacks the introspect scope"),
        413: json(errorSchema, "Body too large"),
      },
    },
    async (c, { form: token }) => {
      const answer = await introspectToken(introspection, token);
      return c.json(toWire(answer), 200, { "Cache-Control": "no-store" });
    },
  );
}
