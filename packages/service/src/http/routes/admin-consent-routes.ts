// GET and DELETE /admin/users/{username}/consents: a user's consents to clients, read with
// users:read and revoked with users:write (consents are part of the account).
import { z } from "@hono/zod-openapi";
import type { AuditLog } from "gatehouse-auth-core/audit-log";
import {
  listUserConsents,
  revokeUserConsent,
} from "gatehouse-auth-core/authorization/consent-admin";
import type { ConsentStore } from "gatehouse-auth-core/authorization/consents";
import { isValidUsername, type UserStore } from "gatehouse-auth-core/users/user";
import type { GuardDeps } from "../bearer.ts";
import { defineGuard } from "../bearer.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, jsonResponse, validationErrorSchema } from "../openapi.ts";
import { clientAddress, requestId } from "../request-envelope.ts";
import { route } from "../route.ts";

/** What the consent routes need. */
export interface AdminConsentRouteDeps {
  readonly guard: GuardDeps;
  readonly users: UserStore;
  readonly consents: ConsentStore;
  readonly audit: AuditLog;
}

const consentSchema = z
  .object({
    client_id: z.string(),
    scopes: z.array(z.string()),
    granted_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Consent");

const username = z
  .string()
  .refine(isValidUsername, { message: "Not a valid username" })
  .openapi({ param: { name: "username", in: "path" }, example: "johndoe" });

const guardedResponses = {
  400: jsonResponse(errorSchema, "Inactive user"),
  401: jsonResponse(errorSchema, "Not authenticated, or the token is invalid or expired"),
  403: jsonResponse(errorSchema, "The token lacks a required scope"),
  404: jsonResponse(errorSchema, "No such user, or no consent for that client"),
  422: jsonResponse(validationErrorSchema, "Invalid path"),
};

/** Mounts the consent administration routes. */
export function mountAdminConsentRoutes(app: OpenApiApp, deps: AdminConsentRouteDeps): void {
  route(
    app,
    {
      method: "get",
      path: "/admin/users/{username}/consents",
      guard: defineGuard(deps.guard, ["users:read"]),
      summary: "List the clients a user consented to, with the scopes approved",
      tags: ["admin"],
      request: { params: z.object({ username }) },
      responses: {
        200: jsonResponse(
          z.object({ consents: z.array(consentSchema) }).openapi("ConsentList"),
          "The user's consents, by client id",
        ),
        ...guardedResponses,
      },
    },
    async (c, { params }) => {
      const consents = await listUserConsents(deps, params.username);
      return c.json(
        {
          consents: consents.map((consent) => ({
            client_id: consent.clientId,
            scopes: [...consent.scopes],
            granted_at: new Date(consent.grantedAt).toISOString(),
          })),
        },
        200,
        { "Cache-Control": "no-store" },
      );
    },
  );

  route(
    app,
    {
      method: "delete",
      path: "/admin/users/{username}/consents/{client_id}",
      guard: defineGuard(deps.guard, ["users:write"]),
      summary: "Revoke a user's consent to a client: its next authorization asks again",
      tags: ["admin"],
      request: {
        params: z.object({
          username,
          client_id: z
            .string()
            .min(1)
            .max(128)
            .openapi({ param: { name: "client_id", in: "path" } }),
        }),
      },
      responses: { 204: { description: "The consent is revoked" }, ...guardedResponses },
    },
    async (c, { params }) => {
      await revokeUserConsent(
        deps,
        {
          actor: c.var.principal.user.username,
          clientAddress: clientAddress(c),
          requestId: requestId(c),
        },
        params.username,
        params.client_id,
      );
      return c.body(null, 204);
    },
  );
}
