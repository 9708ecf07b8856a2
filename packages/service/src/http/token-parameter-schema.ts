// The `token` form of /revoke (RFC 7009 §2.1) and /introspect (RFC 7662 §2.1), as routes declare it.
import { z } from "@hono/zod-openapi";
import { parseTokenParameterForm } from "gatehouse-auth-core/protocol/token-parameter-form";
import type { FormPart } from "./route.ts";

/** The form as OpenAPI documents it. */
const tokenParameterSchema = z
  .object({
    token: z.string().openapi({ description: "The access token or refresh token" }),
    token_type_hint: z
      .enum(["access_token", "refresh_token"])
      .optional()
      .openapi({ description: "Accepted and not needed: the two kinds are told apart by shape" }),
  })
  .openapi("TokenParameterRequest");

/**
 * The `token` form: documented by its schema, read by the protocol's reader (one `token`, no
 * parameter sent twice); a route declaring it receives the token.
 */
export const tokenParameterForm: FormPart<string> = {
  schema: tokenParameterSchema,
  read(body, contentType) {
    const form = parseTokenParameterForm(body, contentType);
    return form.kind === "token" ? form.token : undefined;
  },
};
