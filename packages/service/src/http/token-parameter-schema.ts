// The `token` form of /revoke and /introspect as OpenAPI documents it.
import { z } from "@hono/zod-openapi";

/** The form as OpenAPI documents it. */
export const tokenParameterSchema = z
  .object({
    token: z.string().openapi({ description: "The access token or refresh token" }),
    token_type_hint: z
      .enum(["access_token", "refresh_token"])
      .optional()
      .openapi({ description: "Accepted and not needed: the two kinds are told apart by shape" }),
  })
  .openapi("TokenParameterRequest");
