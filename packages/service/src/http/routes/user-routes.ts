// The seed's protected routes: /users/me/, /users/me/items/, /status/.
import { z } from "@hono/zod-openapi";
import type { ItemStore } from "gatehouse-auth-core/users/items";
import type { Guard, GuardDeps } from "../bearer.ts";
import { defineGuard } from "../bearer.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, jsonResponse } from "../openapi.ts";
import { route } from "../route.ts";

/** What the user routes need. */
export interface UserRouteDeps {
  readonly guard: GuardDeps;
  readonly items: ItemStore;
}

const userSchema = z
  .object({
    username: z.string(),
    email: z.string().nullable(),
    full_name: z.string().nullable(),
    disabled: z.boolean(),
  })
  .openapi("User");

const itemSchema = z.object({ item_id: z.string(), owner: z.string() }).openapi("Item");

const protectedResponses = {
  400: jsonResponse(errorSchema, "Inactive user"),
  401: jsonResponse(errorSchema, "Not authenticated, or the token is invalid or expired"),
  403: jsonResponse(errorSchema, "The token lacks a required scope"),
};

/** The guards of the seed: `get_current_user` (any valid token) and the scoped chain on top of it. */
interface SeedGuards {
  readonly currentUser: Guard;
  readonly me: Guard;
  readonly ownItems: Guard;
}

/** The seed's guard chain: `/users/me/` needs `me`; own items need `items` on top of `me`. */
function defineSeedGuards(deps: GuardDeps): SeedGuards {
  const currentUser = defineGuard(deps, []);
  const me = defineGuard(deps, ["me"], currentUser);
  return { currentUser, me, ownItems: defineGuard(deps, ["items"], me) };
}

/** Mounts the seed's user routes, each declared once with its guard. */
export function mountUserRoutes(app: OpenApiApp, deps: UserRouteDeps): void {
  const guards = defineSeedGuards(deps.guard);

  route(
    app,
    {
      method: "get",
      path: "/users/me/",
      guard: guards.me,
      summary: "Read the current user",
      tags: ["users"],
      responses: { 200: jsonResponse(userSchema, "The user"), ...protectedResponses },
    },
    (c) => {
      const { user } = c.get("principal");
      const body = {
        username: user.username,
        email: user.email,
        full_name: user.fullName,
        disabled: user.disabled,
      };
      return c.json(body, 200);
    },
  );

  route(
    app,
    {
      method: "get",
      path: "/users/me/items/",
      guard: guards.ownItems,
      summary: "Read the current user's items",
      tags: ["users"],
      responses: { 200: jsonResponse(z.array(itemSchema), "The items"), ...protectedResponses },
    },
    async (c) => {
      const items = await deps.items.listItems(c.get("principal").user.username);
      const body = items.map((item) => ({ item_id: item.itemId, owner: item.owner }));
      return c.json(body, 200);
    },
  );

  route(
    app,
    {
      method: "get",
      path: "/status/",
      guard: guards.currentUser,
      summary: "Read the system status",
      tags: ["system"],
      responses: {
        200: jsonResponse(z.object({ status: z.literal("ok") }), "The service is up"),
        ...protectedResponses,
      },
    },
    (c) => c.json({ status: "ok" }, 200),
  );
}
