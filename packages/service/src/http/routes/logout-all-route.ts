// POST /users/me/logout-all: "log out everywhere" for the calling user.

import type { Clock } from "gatehouse-auth-core/clock";
import type { RefreshTokenStore } from "gatehouse-auth-core/tokens/refresh-tokens";
import { logoutEverywhere } from "gatehouse-auth-core/users/user-lifecycle";
import type { GuardDeps } from "../bearer.ts";
import { defineGuard } from "../bearer.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema } from "../openapi.ts";
import { route } from "../route.ts";

/** What the route needs. */
export interface LogoutAllRouteDeps {
  readonly guard: GuardDeps;
  readonly refreshTokens: RefreshTokenStore;
  readonly clock: Clock;
}

const json = (description: string) => ({
  description,
  content: { "application/json": { schema: errorSchema } },
});

/**
 * Mounts `POST /users/me/logout-all` behind the `me` scope: every access token of the user
 * issued until now (the one calling included) and every refresh token family stop working.
 */
export function mountLogoutAllRoute(app: OpenApiApp, deps: LogoutAllRouteDeps): void {
  route(
    app,
    {
      method: "post",
      path: "/users/me/logout-all",
      guard: defineGuard(deps.guard, ["me"]),
      summary: "Log out everywhere: revoke every token of the current user",
      tags: ["users"],
      responses: {
        204: { description: "Every token issued until now is revoked" },
        400: json("Inactive user"),
        401: json("Not authenticated, or the token is invalid or expired"),
        403: json("The token lacks the me scope"),
      },
    },
    async (c) => {
      const lifecycle = {
        users: deps.guard.users,
        refreshTokens: deps.refreshTokens,
        clock: deps.clock,
      };
      await logoutEverywhere(lifecycle, c.var.principal.user.username);
      return c.body(null, 204);
    },
  );
}
