/** Every expected failure in Gatehouse carries one of these stable codes. */
export const authErrorCodes = [
  /** Unknown user or wrong password — deliberately indistinguishable. */
  "invalid_credentials",
  "inactive_user",
  /** A requested scope is not in the catalogue. */
  "invalid_scope",
  /** A malformed request: duplicate parameters, a field that breaks a rule. */
  "invalid_request",
  "unsupported_grant_type",
  /** Client authentication failed: unknown or disabled client, wrong secret, malformed Basic. */
  "invalid_client",
  /** An authenticated client asked for a grant it may not use (RFC 6749 §5.2). */
  "unauthorized_client",
  "token_missing",
  /** Malformed, bad signature, wrong algorithm or type, unknown subject. */
  "token_invalid",
  "token_expired",
  /** A refresh token that is unknown, spent, revoked, expired or cut off. */
  "refresh_token_invalid",
  "insufficient_scope",
  "username_taken",
  "user_not_found",
  /** A client registration with this `client_id` exists. */
  "client_id_taken",
  "client_not_found",
  /** A new password the password policy refuses: too short, or a commonly used one. */
  "weak_password",
  /** The change would leave no active account able to manage users (`users:write`). */
  "last_user_admin",
  /** An account tried to grant a scope it does not hold itself. */
  "scope_not_held",
  /** The password hashing queue is full; the caller should retry later. */
  "hasher_busy",
  /** Too many failed logins for the account or the client address; `retryAfterSeconds` says when. */
  "throttled",
  /**
   * A resource server's guard has been cut off from Gatehouse's security events longer than it
   * was told to accept, so it cannot tell whether a token was revoked; also Gatehouse's answer
   * at `/security-events` while it signs with a shared secret. Retry later.
   */
  "revocations_unavailable",
] as const;

/** One of {@link authErrorCodes}. */
export type AuthErrorCode = (typeof authErrorCodes)[number];

/**
 * The one error class of the toolkit: an expected failure with a stable `code`.
 *
 * `message` is for developers and logs and never holds a token, password, hash or secret; the
 * public answer for each code is fixed by the HTTP error table.
 */
export class AuthError extends Error {
  override readonly name = "AuthError";
  readonly code: AuthErrorCode;
  /** For `throttled` and other temporary refusals: whole seconds until a retry may succeed. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** Tells whether a value is an {@link AuthError}, optionally with a given code. */
export function isAuthError(value: unknown, code?: AuthErrorCode): value is AuthError {
  return value instanceof AuthError && (code === undefined || value.code === code);
}
