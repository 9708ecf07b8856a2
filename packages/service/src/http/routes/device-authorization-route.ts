// POST /device_authorization: the device authorization endpoint (RFC 8628 §3.1–3.2).
import { z } from "@hono/zod-openapi";
import type { DeviceAuthorizationDeps } from "gatehouse-auth-core/device/device-authorization";
import {
  createDeviceAuthorizationEndpoint,
  type DeviceAuthorizationRequest,
} from "gatehouse-auth-core/device/device-authorization";
import {
  deviceAuthorizationBody,
  parseDeviceAuthorizationForm,
} from "gatehouse-auth-core/protocol/device-authorization-form";
import { requestHeader } from "../node-bindings.ts";
import type { OpenApiApp } from "../openapi.ts";
import { clientSecuritySchemeName, errorSchema, oauthErrorSchema } from "../openapi.ts";
import { clientAddress, requestId } from "../request-envelope.ts";
import type { FormPart } from "../route.ts";
import { route, sendAnswer } from "../route.ts";
import { refusal } from "./token-route.ts";

/** Where the endpoint is served, and where users enter the code. */
export const deviceAuthorizationPath = "/device_authorization";
export const devicePagePath = "/device";

/** What the route needs: the endpoint's ports and the issuer the page's address is built on. */
export interface DeviceAuthorizationRouteDeps extends DeviceAuthorizationDeps {
  /** The configured issuer; when unset, the origin of each request. */
  readonly issuer?: string | undefined;
}

const maxBodyBytes = 16 * 1024;

const deviceAuthorizationForm: FormPart<DeviceAuthorizationRequest> = {
  schema: z
    .object({
      client_id: z.string().optional().openapi({
        description:
          "A public client's id, or with client_secret a confidential client's; or use HTTP Basic",
      }),
      client_secret: z.string().optional().openapi({ format: "password" }),
      scope: z.string().optional().openapi({
        description: "Space-separated scopes; absent asks for every scope the client is allowed",
      }),
    })
    .openapi("DeviceAuthorizationRequest"),
  read(body, contentType) {
    const form = parseDeviceAuthorizationForm(body, contentType);
    return form.kind === "request" ? form.request : undefined;
  },
};

const responseSchema = z
  .object({
    device_code: z.string(),
    user_code: z.string().openapi({ example: "WDJB-MJHT" }),
    verification_uri: z.string(),
    verification_uri_complete: z.string(),
    expires_in: z.number().int(),
    interval: z.number().int(),
  })
  .openapi("DeviceAuthorizationResponse");

/**
 * Mounts `POST /device_authorization`. A client allowed the device grant gets a device code to
 * poll `/token` with and a user code for its user to enter at `/device`.
 */
export function mountDeviceAuthorizationRoute(
  app: OpenApiApp,
  deps: DeviceAuthorizationRouteDeps,
): void {
  const endpoint = createDeviceAuthorizationEndpoint(deps);
  route(
    app,
    {
      method: "post",
      path: deviceAuthorizationPath,
      summary: "Start a device authorization (RFC 8628)",
      description:
        "For a device without a browser or keyboard: answers a device_code to poll /token with (grant_type=urn:ietf:params:oauth:grant-type:device_code) and a user_code the user enters at /device. The client must be allowed the device grant.",
      security: [{}, { [clientSecuritySchemeName]: [] }],
      tags: ["auth"],
      request: { form: deviceAuthorizationForm },
      maxBodyBytes,
      responses: {
        200: {
          description: "The codes, where to enter the user code, and how often to poll",
          content: { "application/json": { schema: responseSchema } },
        },
        400: {
          description: "Malformed request, unknown scope, or a client not allowed the device grant",
          content: { "application/json": { schema: oauthErrorSchema } },
        },
        401: {
          description: "Client authentication failed",
          content: { "application/json": { schema: oauthErrorSchema } },
        },
        413: {
          description: "Body too large",
          content: { "application/json": { schema: errorSchema } },
        },
      },
    },
    async (c, { form }) => {
      const authorization = requestHeader(c, "authorization");
      const outcome = await endpoint.handle(form, {
        clientAddress: clientAddress(c),
        requestId: requestId(c),
        authorization,
      });
      if (!outcome.ok) return sendAnswer(c, refusal(outcome.error, authorization));
      const issuer = (deps.issuer ?? new URL(c.req.url).origin).replace(/\/+$/, "");
      const body = deviceAuthorizationBody(outcome.started, `${issuer}${devicePagePath}`);
      // RFC 8628 §3.2 builds on RFC 6749 §5.1: an answer carrying a credential is not cached.
      return c.json(body, 200, { "Cache-Control": "no-store", Pragma: "no-cache" });
    },
  );
}
