// The client administration API under /admin/clients, guarded by clients:read and clients:write.
import { z } from "@hono/zod-openapi";
import type { AuditLog } from "gatehouse-auth-core/audit-log";
import type { Client, ClientStore } from "gatehouse-auth-core/clients/client";
import { clientGrantTypes, toClient } from "gatehouse-auth-core/clients/client";
import {
  type ClientAdminDeps,
  type ClientChanges,
  type ClientWithSecret,
  changeClient,
  deleteClientRegistration,
  registerClient,
  rotateClientSecret,
} from "gatehouse-auth-core/clients/client-admin";
import { maxClientKeys, storedClientJwksSchema } from "gatehouse-auth-core/clients/client-keys";
import {
  isValidClientId,
  isValidClientName,
  maxClientListLength,
  maxClientNameLength,
  maxClientUriLength,
  redirectUriProblem,
} from "gatehouse-auth-core/clients/client-rules";
import type { Clock } from "gatehouse-auth-core/clock";
import { errorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import type { AuditContext } from "gatehouse-auth-core/users/user-admin";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { GuardDeps } from "../bearer.ts";
import { defineGuard } from "../bearer.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, jsonResponse, validationErrorSchema } from "../openapi.ts";
import { clientAddress, requestId } from "../request-envelope.ts";
import { route, sendAnswer } from "../route.ts";

/** What the client admin routes need. */
export interface AdminClientRouteDeps {
  readonly guard: GuardDeps;
  readonly clients: ClientStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** How long a rotated-out secret stays valid beside the new one. */
  readonly secretOverlapSeconds: number;
}

const guardedResponses = {
  400: jsonResponse(errorSchema, "Inactive user, or the client breaks a registration rule"),
  401: jsonResponse(errorSchema, "Not authenticated, or the token is invalid or expired"),
  403: jsonResponse(errorSchema, "The token lacks a required scope"),
  422: jsonResponse(validationErrorSchema, "Invalid path, query or body"),
};

const clientIdParams = z.object({
  client_id: z
    .string()
    .refine(isValidClientId, { message: "A client_id is 1 to 128 of A-Z a-z 0-9 . _ ~ -" })
    .openapi({ param: { name: "client_id", in: "path" }, example: "k3CHtxbL2Jq0bA1w9xQy7g" }),
});

const adminClientFields = {
  client_id: z.string(),
  name: z.string(),
  type: z.enum(["confidential", "public"]),
  grant_types: z.array(z.enum(clientGrantTypes)),
  scopes: z.array(z.string()),
  redirect_uris: z.array(z.string()),
  audiences: z.array(z.string()),
  first_party: z.boolean(),
  disabled: z.boolean(),
  jwks: storedClientJwksSchema.nullable().openapi({
    description:
      "The public keys the client authenticates with (private_key_jwt, RFC 7523); null for a client using a secret or none",
  }),
  created_at: z.string().openapi({ format: "date-time" }),
  updated_at: z.string().openapi({ format: "date-time" }),
};

const adminClientSchema = z.object(adminClientFields).openapi("AdminClient");

const adminClientWithSecretSchema = z
  .object({
    ...adminClientFields,
    client_secret: z.string().optional().openapi({
      description: "Shown this once; absent for a public client. Only its hash is stored.",
    }),
  })
  .openapi("AdminClientWithSecret");

const clientListSchema = z
  .object({ clients: z.array(adminClientSchema) })
  .openapi("AdminClientList");

const nameSchema = z.string().refine(isValidClientName, {
  message: `A client name is 1 to ${maxClientNameLength} characters, not blank, without control characters`,
});

const redirectUrisSchema = z
  .array(
    z.string().superRefine((uri, ctx) => {
      const problem = redirectUriProblem(uri);
      if (problem !== undefined)
        ctx.addIssue({ code: "custom", message: `Redirect URI ${problem}` });
    }),
  )
  .max(maxClientListLength)
  .openapi({
    description:
      "Exact redirect URIs: https, http on 127.0.0.1, [::1] or localhost, or a reverse-domain scheme of a native app (RFC 8252); no fragment",
  });

const audiencesSchema = z
  .array(z.string().min(1).max(maxClientUriLength).regex(/^\S+$/, "No whitespace"))
  .max(maxClientListLength)
  .openapi({ description: "The `aud` of this client's access tokens; empty: the service's" });

const grantTypesSchema = z.array(z.enum(clientGrantTypes)).max(clientGrantTypes.length);

/** The response shape of a client: never a secret or its hash. */
function present(client: Client): z.infer<typeof adminClientSchema> {
  return {
    client_id: client.clientId,
    name: client.name,
    type: client.type,
    grant_types: [...client.grantTypes],
    scopes: [...client.scopes],
    redirect_uris: [...client.redirectUris],
    audiences: [...client.audiences],
    first_party: client.firstParty,
    disabled: client.disabled,
    jwks: client.jwks,
    created_at: new Date(client.createdAt).toISOString(),
    updated_at: new Date(client.updatedAt).toISOString(),
  };
}

function presentWithSecret(result: ClientWithSecret): z.infer<typeof adminClientWithSecretSchema> {
  return {
    ...present(result.client),
    ...(result.secret === null ? {} : { client_secret: result.secret }),
  };
}

/** The client fields of a request body, in the wire's names. */
interface ClientFieldsBody {
  readonly name?: string | undefined;
  readonly grant_types?: readonly string[] | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly redirect_uris?: readonly string[] | undefined;
  readonly audiences?: readonly string[] | undefined;
  readonly first_party?: boolean | undefined;
  readonly disabled?: boolean | undefined;
  readonly jwks?: unknown;
}

/** The fields a body gives, as the core's client changes; an absent field stays absent. */
function toClientChanges(body: ClientFieldsBody): ClientChanges {
  return {
    ...(body.name === undefined ? {} : { name: body.name }),
    ...(body.grant_types === undefined ? {} : { grantTypes: body.grant_types }),
    ...(body.scopes === undefined ? {} : { scopes: body.scopes }),
    ...(body.redirect_uris === undefined ? {} : { redirectUris: body.redirect_uris }),
    ...(body.audiences === undefined ? {} : { audiences: body.audiences }),
    ...(body.first_party === undefined ? {} : { firstParty: body.first_party }),
    ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
    ...(body.jwks === undefined ? {} : { jwks: body.jwks }),
  };
}

// Responses carrying client data, and above all a secret, are never cached.
const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

function auditContext(c: Context<AppEnv>): AuditContext {
  return {
    actor: c.var.principal.user.username,
    clientAddress: clientAddress(c),
    requestId: requestId(c),
  };
}

/** Mounts the client administration routes, each declared once with its guard. */
export function mountAdminClientRoutes(app: OpenApiApp, deps: AdminClientRouteDeps): void {
  const { scopes } = deps.guard;
  const read = defineGuard(deps.guard, ["clients:read"]);
  const write = defineGuard(deps.guard, ["clients:write"]);
  const admin: ClientAdminDeps = {
    clients: deps.clients,
    audit: deps.audit,
    scopes,
    clock: deps.clock,
    secretOverlapSeconds: deps.secretOverlapSeconds,
  };
  const scopeList = z
    .array(
      z.string().refine((name) => scopes.has(name), {
        message: `Unknown scope; the catalogue declares ${scopes.all.join(", ")}`,
      }),
    )
    .max(64);
  // The optional fields both registering and changing a client take.
  const clientFields = {
    grant_types: grantTypesSchema.optional(),
    scopes: scopeList.optional(),
    redirect_uris: redirectUrisSchema.optional(),
    audiences: audiencesSchema.optional(),
    first_party: z.boolean().optional(),
    disabled: z.boolean().optional(),
    // Checked whole by the core (key types, sizes, kids, no private members), answered 400.
    jwks: z
      .object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(maxClientKeys) })
      .optional()
      .openapi({
        description:
          "A JWK Set of the client's public keys (RSA 2048+, P-256, P-384 or Ed25519, each with a kid): the client authenticates with private_key_jwt and gets no secret. Changing it is a key rotation, for a client registered with keys",
      }),
  };
  const tags = ["admin"];

  route(
    app,
    {
      method: "get",
      path: "/admin/clients",
      guard: read,
      summary: "List the registered clients",
      tags,
      responses: {
        200: jsonResponse(clientListSchema, "Every client, by client_id"),
        ...guardedResponses,
      },
    },
    async (c) => {
      const clients = await deps.clients.listClients();
      return c.json({ clients: clients.map((record) => present(toClient(record))) }, 200, noStore);
    },
  );

  route(
    app,
    {
      method: "get",
      path: "/admin/clients/{client_id}",
      guard: read,
      summary: "Read a client",
      tags,
      request: { params: clientIdParams },
      responses: {
        200: jsonResponse(adminClientSchema, "The client, without any secret"),
        404: jsonResponse(errorSchema, "No such client"),
        ...guardedResponses,
      },
    },
    async (c, { params }) => {
      const record = await deps.clients.findClient(params.client_id);
      if (record === undefined) return sendAnswer(c, errorAnswer("client_not_found", "resource"));
      return c.json(present(toClient(record)), 200, noStore);
    },
  );

  route(
    app,
    {
      method: "post",
      path: "/admin/clients",
      guard: write,
      summary: "Register a client",
      description:
        "Gatehouse picks the client_id and, for a confidential client, the secret, which this answer shows once. Without grant_types: client_credentials for a confidential client; authorization_code and refresh_token for a public one.",
      tags,
      request: {
        body: z
          .object({
            name: nameSchema,
            type: z.enum(["confidential", "public"]).optional(),
            ...clientFields,
          })
          .openapi("AdminClientCreate"),
      },
      responses: {
        201: jsonResponse(
          adminClientWithSecretSchema,
          "The client, with its secret shown this once",
        ),
        ...guardedResponses,
      },
    },
    async (c, { body }) => {
      // The core gives an absent field its default.
      const result = await registerClient(admin, auditContext(c), {
        ...toClientChanges(body),
        name: body.name,
        ...(body.type === undefined ? {} : { type: body.type }),
      });
      return c.json(presentWithSecret(result), 201, noStore);
    },
  );

  route(
    app,
    {
      method: "patch",
      path: "/admin/clients/{client_id}",
      guard: write,
      summary: "Change a client's name, grants, scopes, redirect URIs, audiences or flags",
      tags,
      request: {
        params: clientIdParams,
        body: z
          .object({
            name: nameSchema.optional(),
            ...clientFields,
          })
          .openapi("AdminClientUpdate"),
      },
      responses: {
        200: jsonResponse(adminClientSchema, "The changed client"),
        404: jsonResponse(errorSchema, "No such client"),
        ...guardedResponses,
      },
    },
    async (c, { params, body }) => {
      const changed = await changeClient(
        admin,
        auditContext(c),
        params.client_id,
        toClientChanges(body),
      );
      return c.json(present(changed), 200, noStore);
    },
  );

  route(
    app,
    {
      method: "post",
      path: "/admin/clients/{client_id}/rotate-secret",
      guard: write,
      summary: "Give a confidential client a new secret",
      description:
        "The new secret is shown this once. The previous one stays valid for GATEHOUSE_CLIENT_SECRET_OVERLAP_SECONDS; a public client has no secret (400).",
      tags,
      request: { params: clientIdParams },
      responses: {
        200: jsonResponse(
          adminClientWithSecretSchema,
          "The client, with its new secret shown this once",
        ),
        404: jsonResponse(errorSchema, "No such client"),
        ...guardedResponses,
      },
    },
    async (c, { params }) => {
      const result = await rotateClientSecret(admin, auditContext(c), params.client_id);
      return c.json(presentWithSecret(result), 200, noStore);
    },
  );

  route(
    app,
    {
      method: "delete",
      path: "/admin/clients/{client_id}",
      guard: write,
      summary: "Delete a client registration",
      tags,
      request: { params: clientIdParams },
      responses: {
        204: { description: "The client was deleted" },
        404: jsonResponse(errorSchema, "No such client"),
        ...guardedResponses,
      },
    },
    async (c, { params }) => {
      await deleteClientRegistration(admin, auditContext(c), params.client_id);
      return c.body(null, 204);
    },
  );
}
