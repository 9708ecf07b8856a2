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
    client_id: z.string().optional().openapi({
      description: "With client_secret: a confidential client authenticating (client_secret_post)",
    }),
    client_secret: z.string().optional().openapi({ format: "password" }),
    client_assertion_type: z
      .literal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
      .optional()
      .openapi({ description: "With client_assertion: private_key_jwt (RFC 7523)" }),
    client_assertion: z.string().optional().openapi({
      description: "A JWT signed with one of the client's registered keys (private_key_jwt)",
    }),
  })
  .openapi("TokenParameterRequest");

/** The form as a route receives it: the token, and the client parameters when sent. */
export interface TokenParameters {
  readonly token: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly clientAssertionType?: string;
  readonly clientAssertion?: string;
}

/**
 * The `token` form: documented by its schema, read by the protocol's reader (one `token`, no
 * parameter sent twice); a route declaring it receives the token and any client parameters.
 */
export const tokenParameterForm: FormPart<TokenParameters> = {
  schema: tokenParameterSchema,
  read(body, contentType) {
    const form = parseTokenParameterForm(body, contentType);
    if (form.kind !== "token") return undefined;
    const { kind: _, ...parameters } = form;
    return parameters;
  },
};
