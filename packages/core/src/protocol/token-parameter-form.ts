// Reading the `token` form of /revoke (RFC 7009 §2.1) and /introspect (RFC 7662 §2.1).
import { maxTokenLength } from "../tokens/token-verifier.ts";

/** The outcome of reading a `token` form: the token, or why the request is malformed. */
export type TokenParameterForm =
  | {
      readonly kind: "token";
      readonly token: string;
      /** `client_id` and `client_secret` (RFC 6749 §2.3.1), present only when sent and not empty. */
      readonly clientId?: string;
      readonly clientSecret?: string;
      /** `client_assertion_type` and `client_assertion` (RFC 7523 §2.2), when sent and not empty. */
      readonly clientAssertionType?: string;
      readonly clientAssertion?: string;
    }
  /** Missing `token`, a parameter sent twice, or a value no token of ours could have. */
  | { readonly kind: "invalid" };

/** Reads a URL-encoded `token` form; anything but such a form is invalid. */
export function parseTokenParameterForm(
  body: string,
  contentType: string | undefined,
): TokenParameterForm {
  if (contentType?.split(";")[0]?.trim().toLowerCase() !== "application/x-www-form-urlencoded") {
    return { kind: "invalid" };
  }
  const params = new URLSearchParams(body);
  const names = [...params.keys()];
  // RFC 6749 §3.2 (which both RFCs build on): a parameter must not be sent more than once.
  if (new Set(names).size !== names.length) return { kind: "invalid" };
  const token = params.get("token");
  if (token === null || token === "" || token.length > maxTokenLength) return { kind: "invalid" };
  const clientId = params.get("client_id") ?? "";
  const clientSecret = params.get("client_secret") ?? "";
  const clientAssertionType = params.get("client_assertion_type") ?? "";
  const clientAssertion = params.get("client_assertion") ?? "";
  return {
    kind: "token",
    token,
    ...(clientId === "" ? {} : { clientId }),
    ...(clientSecret === "" ? {} : { clientSecret }),
    ...(clientAssertionType === "" ? {} : { clientAssertionType }),
    ...(clientAssertion === "" ? {} : { clientAssertion }),
  };
}
