// POST /revoke: token revocation (RFC 7009), for access and refresh tokens alike.

import type { RevokeDeps } from "gatehouse-auth-core/tokens/revoke";
import { revokeToken } from "gatehouse-auth-core/tokens/revoke";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, oauthErrorSchema } from "../openapi.ts";
import { route } from "../route.ts";
import { tokenParameterForm } from "../token-parameter-schema.ts";

const maxBodyBytes = 16 * 1024;

const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

/**
 * Mounts `POST /revoke`. It takes no client authentication: Gatehouse's clients are public
 * (RFC 6749 §2.1), so holding the token is the authorization to give it up. It answers 200 with
 * an empty body whether or not the token was known (RFC 7009 §2.2), so it cannot be used to
 * test which tokens exist.
 */
export function mountRevokeRoute(app: OpenApiApp, deps: RevokeDeps): void {
  route(
    app,
    {
      method: "post",
      path: "/revoke",
      summary: "Revoke an access token or a refresh token (RFC 7009)",
      description:
        "A refresh token revokes its whole family; an access token is refused until it expires. Unknown or invalid tokens are answered 200 as well. No client authentication: possession of the token is the authorization.",
      tags: ["auth"],
      request: { form: tokenParameterForm },
      maxBodyBytes,
      responses: {
        200: { description: "Revoked, or nothing to revoke" },
        400: {
          description: "Missing or repeated token parameter",
          content: { "application/json": { schema: oauthErrorSchema } },
        },
        413: {
          description: "Body too large",
          content: { "application/json": { schema: errorSchema } },
        },
      },
    },
    async (c, { form: token }) => {
      await revokeToken(deps, token);
      return c.body(null, 200, noStore);
    },
  );
}
