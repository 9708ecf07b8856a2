// POST /token: the resource owner password credentials grant (RFC 6749 §4.3).
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { AuthError, isAuthError } from "../core/errors.ts";
import type { PasswordGrantDeps } from "../core/password-grant.ts";
import { passwordGrant } from "../core/password-grant.ts";
import { formatScopes } from "../core/scopes.ts";
import type { AppEnv } from "./app-env.ts";
import type { ErrorAnswer } from "./error-responses.ts";
import { errorAnswer, validationAnswer } from "./error-responses.ts";
import type { OpenApiApp } from "./openapi.ts";
import { errorSchema, oauthErrorSchema, validationErrorSchema } from "./openapi.ts";
import { parseTokenForm } from "./token-form.ts";

/** What the token route needs. */
export interface TokenRouteDeps extends PasswordGrantDeps {
  /** Require `grant_type=password` instead of accepting its absence. */
  readonly strictGrantType: boolean;
}

/** The largest token request body read: a form with a 1 KiB password fits many times over. */
const maxTokenBodyBytes = 16 * 1024;

// RFC 6749 §5.1: responses carrying tokens must not be cached.
const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

const tokenFormSchema = z
  .object({
    grant_type: z
      .string()
      .regex(/^password$/)
      .optional(),
    username: z.string(),
    password: z.string().openapi({ format: "password" }),
    scope: z.string().optional().openapi({ description: "Space-separated scopes" }),
    client_id: z.string().optional(),
    client_secret: z.string().optional().openapi({ format: "password" }),
  })
  .openapi("TokenRequest");

const tokenResponseSchema = z
  .object({
    access_token: z.string(),
    token_type: z.literal("bearer"),
    expires_in: z.number().int(),
    scope: z.string(),
  })
  .openapi("TokenResponse");

/** Mounts `POST /token` and documents it as a form body. */
export function mountTokenRoute(app: OpenApiApp, deps: TokenRouteDeps): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/token",
    summary: "Log in for an access token",
    tags: ["auth"],
    request: {
      body: {
        required: true,
        content: { "application/x-www-form-urlencoded": { schema: tokenFormSchema } },
      },
    },
    responses: {
      200: {
        description: "The access token",
        content: { "application/json": { schema: tokenResponseSchema } },
      },
      400: {
        description: "Bad credentials, inactive user, invalid scope or grant type",
        content: { "application/json": { schema: oauthErrorSchema } },
      },
      413: {
        description: "Body too large",
        content: { "application/json": { schema: errorSchema } },
      },
      422: {
        description: "Missing or invalid form fields",
        content: { "application/json": { schema: validationErrorSchema } },
      },
      503: {
        description: "Too many logins in progress",
        content: { "application/json": { schema: oauthErrorSchema } },
      },
    },
  });

  app.post(
    "/token",
    bodyLimit({
      maxSize: maxTokenBodyBytes,
      onError: (c) => c.json({ detail: "Request body too large" }, 413),
    }),
    async (c) => {
      const parsed = parseTokenForm(await c.req.text(), c.req.header("content-type"), deps);
      switch (parsed.kind) {
        case "invalid":
          return send(c, validationAnswer(parsed.issues));
        case "duplicate":
          return send(c, errorAnswer("invalid_request", "token"));
        case "form":
          break;
        default: {
          const unreachable: never = parsed;
          throw new TypeError(`unhandled form result ${String(unreachable)}`);
        }
      }
      const { form } = parsed;
      try {
        if (form.grantType !== undefined && form.grantType !== "password") {
          throw new AuthError("unsupported_grant_type", "only the password grant is offered");
        }
        const scopes = form.scope === undefined ? undefined : deps.scopes.parse(form.scope);
        const issued = await passwordGrant(deps, {
          username: form.username,
          password: form.password,
          scopes,
          clientId: form.clientId,
        });
        return c.json(
          {
            access_token: issued.token,
            token_type: "bearer",
            expires_in: issued.expiresIn,
            scope: formatScopes(issued.scopes),
          },
          200,
          noStore,
        );
      } catch (error) {
        if (isAuthError(error)) return send(c, errorAnswer(error.code, "token"));
        throw error;
      }
    },
  );
}

function send(c: Context<AppEnv>, answer: ErrorAnswer): Response {
  return c.json(answer.body, answer.status, answer.headers);
}
