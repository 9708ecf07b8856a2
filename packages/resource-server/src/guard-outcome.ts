// The framework-free half of every adapter: Authorization header in, principal or HTTP answer out.
import { AuthError, isAuthError } from "gatehouse-auth-core/errors";
import { parseAuthorizationHeader } from "gatehouse-auth-core/protocol/authorization-header";
import type { ErrorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import { errorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import type { RemotePrincipal, RemoteVerifier } from "./remote-verifier.ts";

/** What a guard decided for one request. */
export type GuardOutcome =
  | { readonly kind: "allowed"; readonly principal: RemotePrincipal }
  /** Send this answer: 401 with a Bearer challenge, or 403 `insufficient_scope` (RFC 6750 §3). */
  | { readonly kind: "refused"; readonly answer: ErrorAnswer };

/**
 * Checks the `Authorization` header of a request against `verifier` and `required` scopes. Only
 * the header is read — never a query string or body (RFC 9700 §2.5).
 * @throws whatever is not an {@link AuthError}: an unexpected failure is the framework's to report
 */
export async function guardRequest(
  verifier: RemoteVerifier,
  authorization: string | undefined,
  required: readonly string[],
): Promise<GuardOutcome> {
  try {
    const header = parseAuthorizationHeader(authorization);
    if (header.kind === "missing" || header.kind === "other-scheme") {
      throw new AuthError("token_missing", "no bearer credentials");
    }
    if (header.kind === "malformed") {
      throw new AuthError("token_invalid", "bearer token is not a b64token");
    }
    return { kind: "allowed", principal: await verifier.verify(header.token, required) };
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return { kind: "refused", answer: errorAnswer(error.code, "resource", required) };
  }
}
