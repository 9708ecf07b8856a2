// The user administration API under /admin/users, guarded by users:read and users:write.
import { z } from "@hono/zod-openapi";
import type { AuditLog } from "gatehouse-auth-core/audit-log";
import type { Clock } from "gatehouse-auth-core/clock";
import {
  isAcceptablePassword,
  maxPasswordBytes,
  type PasswordHasher,
} from "gatehouse-auth-core/passwords/hasher";
import type { PasswordPolicy } from "gatehouse-auth-core/passwords/password-policy";
import { errorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import type { RefreshTokenStore } from "gatehouse-auth-core/tokens/refresh-tokens";
import { isValidUsername, type UserRecord, type UserStore } from "gatehouse-auth-core/users/user";
import {
  type AuditContext,
  changeAccount,
  createAccount,
  deleteAccount,
  revokeAccountTokens,
  setAccountPassword,
  type UserAdminDeps,
} from "gatehouse-auth-core/users/user-admin";
import type { UserDirectory } from "gatehouse-auth-core/users/user-directory";
import { maxUserPageSize } from "gatehouse-auth-core/users/user-directory";
import type { Context } from "hono";
import type { AppEnv } from "../app-env.ts";
import type { GuardDeps } from "../bearer.ts";
import { defineGuard } from "../bearer.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, validationErrorSchema } from "../openapi.ts";
import { clientAddress, requestId } from "../request-envelope.ts";
import { route, sendAnswer } from "../route.ts";

/** What the admin routes need. */
export interface AdminRouteDeps {
  readonly guard: GuardDeps;
  readonly users: UserStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly directory: UserDirectory;
  readonly audit: AuditLog;
  readonly hasher: PasswordHasher;
  readonly passwordPolicy: PasswordPolicy;
  readonly clock: Clock;
}

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

const guardedResponses = {
  400: json(errorSchema, "Inactive user"),
  401: json(errorSchema, "Not authenticated, or the token is invalid or expired"),
  403: json(errorSchema, "The token lacks a required scope"),
  422: json(validationErrorSchema, "Invalid path, query or body"),
};

/** Refusals of an account granting what it does not hold (the 403 also covers the guard's). */
const grantResponses = {
  403: json(errorSchema, "The token lacks a required scope, or grants a scope its account lacks"),
};

const lastAdminRefusal =
  "The user is the last active account with users:write, which cannot be disabled, deleted or lose it";

/** The rules a username follows, in the words the 422 and the docs use. */
const usernameRules = "1 to 64 characters of A-Z a-z 0-9 . _ @ -, starting with a letter or digit";

const usernameSchema = z
  .string()
  .refine(isValidUsername, { message: `Username must be ${usernameRules}` })
  .openapi({ description: `Username: ${usernameRules}`, example: "johndoe" });

/** A new password: what the hasher takes, then what the password policy asks (never echoed). */
function newPasswordSchema(policy: PasswordPolicy) {
  return z
    .string()
    .refine(isAcceptablePassword, {
      message: `Password must be 1 to ${maxPasswordBytes} bytes and contain no NUL character`,
      abort: true,
    })
    .superRefine((password, ctx) => {
      const why = policy.problem(password);
      if (why !== undefined) ctx.addIssue({ code: "custom", message: `Password ${why}` });
    })
    .openapi({
      format: "password",
      description: `At least ${policy.minLength} characters and not a commonly used password; no composition rules`,
    });
}

const adminUserSchema = z
  .object({
    username: z.string(),
    email: z.string().nullable(),
    full_name: z.string().nullable(),
    disabled: z.boolean(),
    scopes: z.array(z.string()),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("AdminUser");

const userPageSchema = z
  .object({ users: z.array(adminUserSchema), next_cursor: z.string().nullable() })
  .openapi("AdminUserPage");

const usernameParams = z.object({
  username: usernameSchema.openapi({ param: { name: "username", in: "path" } }),
});

// The cursor is the last username of a page, opaque to clients.
const encodeCursor = (username: string): string => Buffer.from(username).toString("base64url");
const decodeCursor = (cursor: string): string => Buffer.from(cursor, "base64url").toString("utf8");

const userListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(maxUserPageSize).default(50),
  cursor: z
    .string()
    .transform(decodeCursor)
    // The edge refuses a NUL in the query as sent; a cursor can still decode to one.
    .refine((after) => !after.includes("\u0000"), { message: "Not a cursor this API gave" })
    .optional()
    .openapi({ description: "The next_cursor of the previous page" }),
  prefix: z.string().max(64).optional().openapi({ description: "Usernames starting with this" }),
  disabled: z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .optional(),
});

/** The response shape of a user: never the password hash. */
function present(record: UserRecord): z.infer<typeof adminUserSchema> {
  return {
    username: record.username,
    email: record.email,
    full_name: record.fullName,
    disabled: record.disabled,
    scopes: [...record.scopes],
    created_at: new Date(record.createdAt).toISOString(),
    updated_at: new Date(record.updatedAt).toISOString(),
  };
}

// Responses carrying user data are never cached.
const noStore = { "Cache-Control": "no-store" } as const;

// The acting account's scopes bound what it may grant (docs/security.md).
function auditContext(c: Context<AppEnv>): AuditContext {
  return {
    actor: c.var.principal.user.username,
    actorScopes: c.var.principal.user.scopes,
    clientAddress: clientAddress(c),
    requestId: requestId(c),
  };
}

/** Mounts the user administration routes, each declared once with its guard. */
export function mountAdminRoutes(app: OpenApiApp, deps: AdminRouteDeps): void {
  const { scopes } = deps.guard;
  const read = defineGuard(deps.guard, ["users:read"]);
  const write = defineGuard(deps.guard, ["users:write"]);
  const admin: UserAdminDeps = {
    users: deps.users,
    refreshTokens: deps.refreshTokens,
    audit: deps.audit,
    hasher: deps.hasher,
    clock: deps.clock,
    scopes,
    passwordPolicy: deps.passwordPolicy,
  };
  const passwordSchema = newPasswordSchema(deps.passwordPolicy);
  const scopeList = z
    .array(
      z.string().refine((name) => scopes.has(name), {
        message: `Unknown scope; the catalogue declares ${scopes.all.join(", ")}`,
      }),
    )
    .max(64);
  const emailSchema = z.email({ message: "Not a valid email address" }).max(254).nullable();
  const fullNameSchema = z.string().max(256).nullable();
  const tags = ["admin"];

  route(
    app,
    {
      method: "get",
      path: "/admin/users",
      guard: read,
      summary: "List users",
      tags,
      request: { query: userListQuery },
      responses: { 200: json(userPageSchema, "A page of users"), ...guardedResponses },
    },
    async (c, { query }) => {
      const page = await deps.directory.queryUsers({
        limit: query.limit + 1,
        ...(query.prefix === undefined ? {} : { prefix: query.prefix }),
        ...(query.disabled === undefined ? {} : { disabled: query.disabled }),
        ...(query.cursor === undefined ? {} : { after: query.cursor }),
      });
      const users = page.slice(0, query.limit);
      const last = users.at(-1);
      const next =
        page.length > query.limit && last !== undefined ? encodeCursor(last.username) : null;
      return c.json({ users: users.map(present), next_cursor: next }, 200, noStore);
    },
  );

  route(
    app,
    {
      method: "get",
      path: "/admin/users/{username}",
      guard: read,
      summary: "Read a user",
      tags,
      request: { params: usernameParams },
      responses: {
        200: json(adminUserSchema, "The user"),
        404: json(errorSchema, "No such user"),
        ...guardedResponses,
      },
    },
    async (c, { params }) => {
      const record = await deps.users.findByUsername(params.username);
      if (record === undefined) return sendAnswer(c, errorAnswer("user_not_found", "resource"));
      return c.json(present(record), 200, noStore);
    },
  );

  route(
    app,
    {
      method: "post",
      path: "/admin/users",
      guard: write,
      summary: "Create a user",
      tags,
      request: {
        body: z
          .object({
            username: usernameSchema,
            password: passwordSchema,
            email: emailSchema.optional(),
            full_name: fullNameSchema.optional(),
            scopes: scopeList.optional(),
            disabled: z.boolean().optional(),
          })
          .openapi("AdminUserCreate"),
      },
      responses: {
        201: json(adminUserSchema, "The user was created"),
        409: json(errorSchema, "The username, or one differing only by case, is taken"),
        ...guardedResponses,
        ...grantResponses,
      },
    },
    async (c, { body }) => {
      const created = await createAccount(admin, auditContext(c), {
        username: body.username,
        password: body.password,
        email: body.email ?? null,
        fullName: body.full_name ?? null,
        scopes: body.scopes ?? [],
        disabled: body.disabled ?? false,
      });
      return c.json(present(created), 201, noStore);
    },
  );

  route(
    app,
    {
      method: "patch",
      path: "/admin/users/{username}",
      guard: write,
      summary: "Change a user's email, full name, allowed scopes or disabled flag",
      tags,
      request: {
        params: usernameParams,
        body: z
          .object({
            email: emailSchema.optional(),
            full_name: fullNameSchema.optional(),
            scopes: scopeList.optional(),
            disabled: z.boolean().optional(),
          })
          .openapi("AdminUserUpdate"),
      },
      responses: {
        200: json(adminUserSchema, "The changed user"),
        404: json(errorSchema, "No such user"),
        409: json(errorSchema, lastAdminRefusal),
        ...guardedResponses,
        ...grantResponses,
      },
    },
    async (c, { params, body }) => {
      const changed = await changeAccount(admin, auditContext(c), params.username, {
        ...(body.email === undefined ? {} : { email: body.email }),
        ...(body.full_name === undefined ? {} : { fullName: body.full_name }),
        ...(body.scopes === undefined ? {} : { scopes: body.scopes }),
        ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
      });
      return c.json(present(changed), 200, noStore);
    },
  );

  route(
    app,
    {
      method: "put",
      path: "/admin/users/{username}/password",
      guard: write,
      summary: "Set a user's password",
      tags,
      request: {
        params: usernameParams,
        body: z.object({ password: passwordSchema }).openapi("AdminPasswordSet"),
      },
      responses: {
        204: { description: "The password was set" },
        404: json(errorSchema, "No such user"),
        ...guardedResponses,
      },
    },
    async (c, { params, body }) => {
      await setAccountPassword(admin, auditContext(c), params.username, body.password);
      return c.body(null, 204);
    },
  );

  route(
    app,
    {
      method: "delete",
      path: "/admin/users/{username}",
      guard: write,
      summary: "Delete a user and their items",
      tags,
      request: { params: usernameParams },
      responses: {
        204: { description: "The user was deleted" },
        404: json(errorSchema, "No such user"),
        409: json(errorSchema, lastAdminRefusal),
        ...guardedResponses,
      },
    },
    async (c, { params }) => {
      await deleteAccount(admin, auditContext(c), params.username);
      return c.body(null, 204);
    },
  );

  route(
    app,
    {
      method: "post",
      path: "/admin/users/{username}/revoke-tokens",
      guard: write,
      summary: "Revoke every token of a user (log them out everywhere)",
      tags,
      request: { params: usernameParams },
      responses: {
        204: { description: "Every access and refresh token issued until now is revoked" },
        404: json(errorSchema, "No such user"),
        ...guardedResponses,
      },
    },
    async (c, { params }) => {
      await revokeAccountTokens(admin, auditContext(c), params.username);
      return c.body(null, 204);
    },
  );
}
