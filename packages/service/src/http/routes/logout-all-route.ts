// POST /users/me/logout-all: "log out everywhere" for the calling user.

import type { AuthorizeDeps } from "gatehouse-auth-core/authorize";
import type { ScopeCatalogue } from "gatehouse-auth-core/scopes";
import { logoutEverywhere, type UserLifecycleDeps } from "gatehouse-auth-core/users/user-lifecycle";
import { defineGuard, mountSecuredRoute } from "../bearer.ts";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema } from "../openapi.ts";

/** What the route needs. */
export interface LogoutAllRouteDeps extends AuthorizeDeps, UserLifecycleDeps {
  readonly scopes: ScopeCatalogue;
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
  mountSecuredRoute(
    app,
    deps,
    {
      method: "post",
      path: "/users/me/logout-all",
      guard: defineGuard(deps.scopes, ["me"]),
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
      await logoutEverywhere(deps, c.var.principal.user.username);
      return c.body(null, 204);
    },
  );
}
