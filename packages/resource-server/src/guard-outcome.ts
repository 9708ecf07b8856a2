// The framework-free half of every adapter: Authorization header in, principal or HTTP answer out.
import type { AuthErrorCode } from "gatehouse-auth-core/errors";
import { AuthError, isAuthError } from "gatehouse-auth-core/errors";
import { parseAuthorizationHeader } from "gatehouse-auth-core/protocol/authorization-header";
import type { ErrorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import { errorAnswer, withResourceMetadata } from "gatehouse-auth-core/protocol/error-responses";
import type { RemotePrincipal, RemoteVerifier } from "./remote-verifier.ts";

/** What a guard decided for one request. */
export type GuardOutcome =
  | { readonly kind: "allowed"; readonly principal: RemotePrincipal }
  /** Send this answer: 401 with a Bearer challenge, or 403 `insufficient_scope` (RFC 6750 §3). */
  | { readonly kind: "refused"; readonly answer: ErrorAnswer };

/** Why a guard refused a request: the error code and the check that failed, for developers. */
export interface TokenRefusal {
  /** `token_missing`, `token_invalid`, `token_expired` or `insufficient_scope`. */
  readonly code: AuthErrorCode;
  /**
   * The failed check, e.g. `token issuer does not match: expected https://auth.example`,
   * `token has expired`, `token names no signing key this verifier accepts`. Never a token,
   * secret or claim value the token carried — only the verifier's own settings.
   */
  readonly reason: string;
}

/** How a guard explains its refusals. */
export interface GuardOptions {
  /**
   * Writes the failed check as the challenge's `error_description` (RFC 6750 §3); `true` by
   * default. Set `false` to answer a bare `error="invalid_token"`, as the Gatehouse service does.
   * A request without credentials never gets a description (RFC 6750 §3.1).
   */
  readonly describeRefusals?: boolean;
  /** Called with every refusal, e.g. to write a debug log line; it must not throw. */
  readonly onRefused?: (refusal: TokenRefusal) => void;
  /**
   * The resource's metadata URL (`createProtectedResource(…).metadataUrl`): every challenge then
   * carries `resource_metadata="…"` (RFC 9728 §5.1), so a client refused here can find the
   * authorization server — what MCP clients look for.
   */
  readonly resourceMetadataUrl?: string;
}

/**
 * Checks a guard's options once, when an adapter creates the guard, rather than on a request.
 * @throws {TypeError} when `resourceMetadataUrl` is not an absolute URL a challenge can carry
 */
export function checkGuardOptions(options: GuardOptions): void {
  const url = options.resourceMetadataUrl;
  if (url === undefined) return;
  if (!URL.canParse(url)) throw new TypeError("resourceMetadataUrl must be an absolute URL");
  withResourceMetadata(errorAnswer("token_missing", "resource"), url);
}

/**
 * Checks the `Authorization` header of a request against `verifier` and `required` scopes. Only
 * the header is read — never a query string or body (RFC 9700 §2.5). A refusal says which check
 * failed in its `error_description` unless `options.describeRefusals` is `false`, and is passed
 * to `options.onRefused`.
 * @throws whatever is not an {@link AuthError}: an unexpected failure is the framework's to report
 */
export async function guardRequest(
  verifier: RemoteVerifier,
  authorization: string | undefined,
  required: readonly string[],
  options: GuardOptions = {},
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
    options.onRefused?.({ code: error.code, reason: error.message });
    const description = options.describeRefusals === false ? undefined : error.message;
    const answer = errorAnswer(error.code, "resource", required, description);
    const url = options.resourceMetadataUrl;
    return {
      kind: "refused",
      answer: url === undefined ? answer : withResourceMetadata(answer, url),
    };
  }
}
