// POST /revoke: token revocation (RFC 7009), for access and refresh tokens alike.

import { errorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import { parseTokenParameterForm } from "gatehouse-auth-core/protocol/token-parameter-form";
import type { RevokeDeps } from "gatehouse-auth-core/tokens/revoke";
import { revokeToken } from "gatehouse-auth-core/tokens/revoke";
import { bodyLimit } from "hono/body-limit";
import type { OpenApiApp } from "../openapi.ts";
import { errorSchema, oauthErrorSchema } from "../openapi.ts";
import { tokenParameterSchema } from "../token-parameter-schema.ts";

const maxBodyBytes = 16 * 1024;

const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

/**
 * Mounts `POST /revoke`. It takes no client authentication: Gatehouse's clients are public
 * (RFC 6749 §2.1), so holding the token is the authorization to give it up. It answers 200 with
 * an empty body whether or not the token was known (RFC 7009 §2.2), so it cannot be used to
 * test which tokens exist.
 */
export function mountRevokeRoute(app: OpenApiApp, deps: RevokeDeps): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/revoke",
    summary: "Revoke an access token or a refresh token (RFC 7009)",
    description:
      "A refresh token revokes its whole family; an access token is refused until it expires. Unknown or invalid tokens are answered 200 as well. No client authentication: possession of the token is the authorization.",
    tags: ["auth"],
    request: {
      body: {
        required: true,
        content: { "application/x-www-form-urlencoded": { schema: tokenParameterSchema } },
      },
    },
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
  });

  app.post(
    "/revoke",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => c.json({ detail: "Request body too large" }, 413),
    }),
    async (c) => {
      const form = parseTokenParameterForm(await c.req.text(), c.req.header("content-type"));
      if (form.kind === "invalid") {
        const answer = errorAnswer("invalid_request", "token");
        return c.json(answer.body, answer.status, answer.headers);
      }
      await revokeToken(deps, form.token);
      return c.body(null, 200, noStore);
    },
  );
}
