// POST /token: the token endpoint (RFC 6749 §3.2) over HTTP — the password, refresh token,
// client credentials and authorization code grants.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "@hono/zod-openapi";
import type { AuthError } from "gatehouse-auth-core/errors";
import type { TokenEndpointDeps } from "gatehouse-auth-core/grants/token-endpoint";
import { createTokenEndpoint } from "gatehouse-auth-core/grants/token-endpoint";
import { usesBasicScheme } from "gatehouse-auth-core/protocol/client-credentials";
import type { ErrorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import {
  errorAnswer,
  errorAnswerFor,
  validationAnswer,
  withBasicChallenge,
} from "gatehouse-auth-core/protocol/error-responses";
import type { TokenAnswer } from "gatehouse-auth-core/protocol/token-answer";
import { tokenAnswer } from "gatehouse-auth-core/protocol/token-answer";
import { parseTokenForm } from "gatehouse-auth-core/protocol/token-form";
import type { Metrics } from "../../telemetry/metrics.ts";
import { limitBody } from "../body-limit.ts";
import { requestHeader } from "../node-bindings.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, oauthErrorSchema, validationErrorSchema } from "../openapi.ts";
import { clientAddress, requestId } from "../request-envelope.ts";

/** What the token route needs: the token endpoint's ports, and where logins are counted. */
export interface TokenRouteDeps extends Omit<TokenEndpointDeps, "onLogin"> {
  readonly metrics: Metrics;
  /** Require `grant_type=password` instead of accepting its absence. */
  readonly strictGrantType: boolean;
  /** How long a refusal of a locked login is held back before it is answered (0: not at all). */
  readonly refusalDelayMs?: number;
}

/** The largest token request body read: a form with a 1 KiB password fits many times over. */
const maxTokenBodyBytes = 16 * 1024;

/**
 * Refusals held back at once, at most, per process: each costs a timer and an open socket, so
 * the hold never grows into a cost of its own; refusals past it are answered at once.
 */
const maxHeldRefusals = 1024;

const tokenFormSchema = z
  .object({
    grant_type: z
      .string()
      .regex(
        /^(password|refresh_token|client_credentials|authorization_code|urn:ietf:params:oauth:grant-type:device_code)$/,
      )
      .optional()
      .openapi({
        description:
          "`password` (the default), `refresh_token`, `client_credentials`, `authorization_code` or `urn:ietf:params:oauth:grant-type:device_code`",
      }),
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
    device_code: z.string().optional().openapi({
      description:
        "Required for the device code grant: the device_code /device_authorization answered",
    }),
    code: z.string().optional().openapi({
      description: "Required for the authorization_code grant: the code /authorize issued, once",
    }),
    redirect_uri: z.string().optional().openapi({
      description:
        "For the authorization_code grant: the redirect_uri of the authorization request",
    }),
    code_verifier: z.string().optional().openapi({
      description: "For the authorization_code grant: the PKCE verifier of the S256 challenge",
    }),
    client_id: z.string().optional().openapi({
      description:
        "A public client's id, or with client_secret a confidential client's (client_secret_post); or use HTTP Basic (client_secret_basic), never both",
    }),
    client_secret: z.string().optional().openapi({ format: "password" }),
    client_assertion_type: z
      .literal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
      .optional()
      .openapi({ description: "With client_assertion: private_key_jwt (RFC 7523)" }),
    client_assertion: z.string().optional().openapi({
      description:
        "A JWT signed with one of the client's registered keys (private_key_jwt); never with a client_secret or Basic",
    }),
    device_proof: z.string().optional().openapi({
      description:
        "The password grant: the device_proof an earlier login of this account on this device answered; a lock others set on the account does not refuse it",
    }),
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
    device_proof: z.string().optional().openapi({
      description:
        "The password grant, when device proofs are configured: keep it for this account on this device and send it with the next logins",
    }),
  })
  .openapi("TokenResponse");

/** The error table's answer, with RFC 6749 §5.2's Basic challenge when Basic authentication failed. */
export function refusal(error: AuthError, authorization: string | undefined): ErrorAnswer {
  const answer = errorAnswerFor(error, "token");
  return error.code === "invalid_client" && usesBasicScheme(authorization)
    ? withBasicChallenge(answer)
    : answer;
}

/**
 * Mounts `POST /token` and documents it as a form body. The route reads the form and answers;
 * the core's token endpoint runs the grant, throttles logins and audits every outcome.
 */
export function mountTokenRoute(app: OpenApiApp, deps: TokenRouteDeps): void {
  const { metrics } = deps;
  const refusalDelayMs = deps.refusalDelayMs ?? 0;
  let held = 0;
  /**
   * A tarpit for a flood on a locked account: a client that waits for each answer sends a few
   * attempts a second instead of thousands, each of which would cost the server a request's
   * work. Never held longer than its Retry-After, which still counts from the refusal.
   */
  const holdRefusal = async (error: AuthError): Promise<void> => {
    if (refusalDelayMs === 0 || error.code !== "throttled" || held >= maxHeldRefusals) return;
    held++;
    try {
      await sleep(Math.min(refusalDelayMs, (error.retryAfterSeconds ?? 1) * 1000));
    } finally {
      held--;
    }
  };
  const endpoint = createTokenEndpoint({
    ...deps,
    onLogin: (outcome) => metrics.countLogin(outcome),
  });
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
        description:
          "Bad credentials or refresh token, inactive user, invalid scope or grant type, a grant the client may not use, two client authentication methods",
        content: { "application/json": { schema: oauthErrorSchema } },
      },
      401: {
        description:
          "Client authentication failed (invalid_client); with WWW-Authenticate: Basic when Basic was used",
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
      let answer: TokenAnswer | ErrorAnswer;
      switch (parsed.kind) {
        case "request": {
          const authorization = requestHeader(c, "authorization");
          const outcome = await endpoint.handle(parsed.request, {
            clientAddress: clientAddress(c),
            requestId: requestId(c),
            authorization,
          });
          if (!outcome.ok) await holdRefusal(outcome.error);
          answer = outcome.ok ? tokenAnswer(outcome.tokens) : refusal(outcome.error, authorization);
          break;
        }
        case "invalid":
          answer = validationAnswer(parsed.issues);
          break;
        case "duplicate":
          answer = errorAnswer("invalid_request", "token");
          break;
        case "unsupported":
          answer = errorAnswer("unsupported_grant_type", "token");
          break;
        default: {
          const unreachable: never = parsed;
          throw new TypeError(`unhandled form result ${String(unreachable)}`);
        }
      }
      return c.json(answer.body, answer.status, answer.headers);
    },
  );
}
