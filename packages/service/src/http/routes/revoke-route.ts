// POST /revoke: token revocation (RFC 7009), for access and refresh tokens alike.

import { isAuthError } from "gatehouse-auth-core/errors";
import { errorAnswerFor } from "gatehouse-auth-core/protocol/error-responses";
import type { RevokeDeps } from "gatehouse-auth-core/tokens/revoke";
import { revokeToken } from "gatehouse-auth-core/tokens/revoke";
import type { OpenApiApp } from "../openapi.ts";
import { clientSecuritySchemeName, errorSchema, oauthErrorSchema } from "../openapi.ts";
import type { RequestClientDeps } from "../request-client.ts";
import { requestClient } from "../request-client.ts";
import { route, sendAnswer } from "../route.ts";
import { tokenParameterForm } from "../token-parameter-schema.ts";

const maxBodyBytes = 16 * 1024;

const noStore = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;

/** What the revocation route needs: the revocation's ports and client authentication's. */
export interface RevokeRouteDeps extends RevokeDeps, RequestClientDeps {}

/**
 * Mounts `POST /revoke`. A confidential client must authenticate (Basic or form secret) and
 * reaches only tokens issued to it (RFC 7009 §2.1): another client's token, or one of the
 * client-less login, is refused with 400 `unauthorized_client` and left alone. For a public
 * client, or none, holding the token is the authorization to give it up. Otherwise it answers
 * 200 with an empty body whether or not the token was known or revoked (RFC 7009 §2.2), so it
 * cannot be used to test which tokens exist.
 */
export function mountRevokeRoute(app: OpenApiApp, deps: RevokeRouteDeps): void {
  route(
    app,
    {
      method: "post",
      path: "/revoke",
      summary: "Revoke an access token or a refresh token (RFC 7009)",
      description:
        "A refresh token revokes its whole family; an access token is refused until it expires. Unknown or invalid tokens are answered 200 as well. A confidential client authenticates (HTTP Basic or client_id and client_secret) and reaches only tokens issued to it: another client's token is refused with 400 unauthorized_client. For a public client, possession of the token is the authorization.",
      security: [{}, { [clientSecuritySchemeName]: [] }],
      tags: ["auth"],
      request: { form: tokenParameterForm },
      maxBodyBytes,
      responses: {
        200: { description: "Revoked, or nothing to revoke" },
        400: {
          description:
            "Missing or repeated token parameter, two client authentication methods, or a confidential client's request to revoke a token issued to another client",
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
      const who = await requestClient(c, deps, form);
      if (!who.ok) return sendAnswer(c, who.answer);
      const confidential = who.client !== undefined && who.client.method !== "none";
      try {
        await revokeToken(
          deps,
          form.token,
          confidential ? { clientId: who.client.client.clientId } : undefined,
        );
      } catch (error) {
        if (!isAuthError(error)) throw error;
        return sendAnswer(c, errorAnswerFor(error, "token"));
      }
      return c.body(null, 200, noStore);
    },
  );
}
