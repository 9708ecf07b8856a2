// POST /introspect: token introspection (RFC 7662) for resource servers holding the `introspect` scope.
import { z } from "@hono/zod-openapi";
import { errorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import { parseTokenParameterForm } from "gatehouse-auth-core/protocol/token-parameter-form";
import { formatScopes } from "gatehouse-auth-core/scopes";
import type { IntrospectDeps, Introspection } from "gatehouse-auth-core/tokens/introspect";
import { introspectToken } from "gatehouse-auth-core/tokens/introspect";
import { bodyLimit } from "hono/body-limit";
import { defineGuard, mountSecuredRoute } from "../bearer.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, oauthErrorSchema } from "../openapi.ts";
import { tokenParameterSchema } from "../token-parameter-schema.ts";

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
export function mountIntrospectRoute(app: OpenApiApp, deps: IntrospectDeps): void {
  app.use(
    "/introspect",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => c.json({ detail: "Request body too large" }, 413),
    }),
  );
  mountSecuredRoute(
    app,
    deps,
    {
      method: "post",
      path: "/introspect",
      guard: defineGuard(deps.scopes, ["introspect"]),
      summary: "Introspect a token (RFC 7662)",
      tags: ["auth"],
      request: {
        body: {
          required: true,
          content: { "application/x-www-form-urlencoded": { schema: tokenParameterSchema } },
        },
      },
      responses: {
        200: json(introspectionSchema, "Whether the token is active, and its claims if so"),
        400: json(oauthErrorSchema, "Missing or repeated token parameter, or inactive caller"),
        401: json(errorSchema, "Not authenticated, or the caller's token is invalid or expired"),
        403: json(errorSchema, "The caller's token lacks the introspect scope"),
        413: json(errorSchema, "Body too large"),
      },
    },
    async (c) => {
      const form = parseTokenParameterForm(await c.req.text(), c.req.header("content-type"));
      if (form.kind === "invalid") {
        const answer = errorAnswer("invalid_request", "token");
        return c.json(answer.body, answer.status, answer.headers);
      }
      const answer = await introspectToken(deps, form.token);
      return c.json(toWire(answer), 200, { "Cache-Control": "no-store" });
    },
  );
}
