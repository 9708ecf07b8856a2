// POST /token: the resource owner password credentials grant (RFC 6749 §4.3).
import { z } from "@hono/zod-openapi";
import { AuthError, isAuthError } from "gatehouse-auth-core/errors";
import type { IssuedTokens, PasswordGrantDeps } from "gatehouse-auth-core/grants/password-grant";
import { passwordGrant } from "gatehouse-auth-core/grants/password-grant";
import type { RefreshGrantDeps } from "gatehouse-auth-core/grants/refresh-grant";
import { refreshGrant } from "gatehouse-auth-core/grants/refresh-grant";
import type { ErrorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import {
  errorAnswer,
  errorAnswerFor,
  validationAnswer,
} from "gatehouse-auth-core/protocol/error-responses";
import { parseTokenForm } from "gatehouse-auth-core/protocol/token-form";
import { formatScopes } from "gatehouse-auth-core/scopes";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import { limitBody } from "../body-limit.ts";
import { type LoginAuditDeps, recordLogin } from "../login-audit.ts";
import { requestHeader } from "../node-bindings.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, oauthErrorSchema, validationErrorSchema } from "../openapi.ts";
import { clientAddress } from "../request-envelope.ts";

/** What the token route needs. */
export interface TokenRouteDeps extends PasswordGrantDeps, RefreshGrantDeps, LoginAuditDeps {
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
      .regex(/^(password|refresh_token)$/)
      .optional()
      .openapi({ description: "`password` (the default) or `refresh_token`" }),
    username: z.string().optional().openapi({ description: "Required for the password grant" }),
    password: z
      .string()
      .optional()
      .openapi({ format: "password", description: "Required for the password grant" }),
    refresh_token: z
      .string()
      .optional()
      .openapi({ description: "Required for the refresh_token grant; spent by the call" }),
    scope: z.string().optional().openapi({
      description:
        "Space-separated scopes; on refresh, may narrow the login's scopes but never widen them",
    }),
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
    refresh_token: z.string().optional().openapi({
      description: "Opaque; exchange it at /token with grant_type=refresh_token for a new pair",
    }),
  })
  .openapi("TokenResponse");

/** Mounts `POST /token` and documents it as a form body. */
export function mountTokenRoute(app: OpenApiApp, deps: TokenRouteDeps): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/token",
    summary: "Log in for an access token and a refresh token, or refresh them",
    description:
      "The password grant (RFC 6749 §4.3) answers an access token and a refresh token. The refresh_token grant (RFC 6749 §6) spends the refresh token and answers a new pair; presenting a spent refresh token again revokes every token of its login.",
    tags: ["auth"],
    request: {
      body: {
        required: true,
        content: { "application/x-www-form-urlencoded": { schema: tokenFormSchema } },
      },
    },
    responses: {
      200: {
        description: "The access token and a new refresh token",
        content: { "application/json": { schema: tokenResponseSchema } },
      },
      400: {
        description: "Bad credentials or refresh token, inactive user, invalid scope or grant type",
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
      429: {
        description: "Too many failed attempts for this account or address; see Retry-After",
        content: { "application/json": { schema: oauthErrorSchema } },
      },
      503: {
        description: "Too many logins in progress",
        content: { "application/json": { schema: oauthErrorSchema } },
      },
    },
  });

  app.post(
    "/token",
    limitBody({
      maxSize: maxTokenBodyBytes,
      onError: (c) => c.json({ detail: "Request body too large" }, 413),
    }),
    async (c) => {
      const parsed = parseTokenForm(await c.req.text(), requestHeader(c, "content-type"), deps);
      switch (parsed.kind) {
        case "invalid":
          return send(c, validationAnswer(parsed.issues));
        case "duplicate":
          return send(c, errorAnswer("invalid_request", "token"));
        case "refresh":
          return answerRefresh(c, deps, parsed.form);
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
          throw new AuthError(
            "unsupported_grant_type",
            "only the password and refresh_token grants are offered",
          );
        }
        const scopes = form.scope === undefined ? undefined : deps.scopes.parse(form.scope);
        const issued = await passwordGrant(
          { ...deps, refresh: deps },
          {
            username: form.username,
            password: form.password,
            scopes,
            clientAddress: clientAddress(c) ?? undefined,
            clientId: form.clientId,
          },
        );
        await recordLogin(c, deps, form.username, undefined);
        return sendTokens(c, issued);
      } catch (error) {
        if (!isAuthError(error)) throw error;
        await recordLogin(c, deps, form.username, error.code);
        return send(c, errorAnswerFor(error, "token"));
      }
    },
  );
}

async function answerRefresh(
  c: Context<AppEnv>,
  deps: TokenRouteDeps,
  form: { readonly refreshToken: string; readonly scope: string | undefined },
): Promise<Response> {
  try {
    const scopes = form.scope === undefined ? undefined : deps.scopes.parse(form.scope);
    return sendTokens(c, await refreshGrant(deps, { refreshToken: form.refreshToken, scopes }));
  } catch (error) {
    if (isAuthError(error)) return send(c, errorAnswerFor(error, "token"));
    throw error;
  }
}

function sendTokens(c: Context<AppEnv>, issued: IssuedTokens): Response {
  return c.json(
    {
      access_token: issued.token,
      token_type: "bearer",
      expires_in: issued.expiresIn,
      scope: formatScopes(issued.scopes),
      ...(issued.refreshToken === undefined ? {} : { refresh_token: issued.refreshToken }),
    },
    200,
    noStore,
  );
}

function send(c: Context<AppEnv>, answer: ErrorAnswer): Response {
  return c.json(answer.body, answer.status, answer.headers);
}
