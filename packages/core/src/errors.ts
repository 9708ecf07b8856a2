/** Every expected failure in Gatehouse carries one of these stable codes. */
export const authErrorCodes = [
  /** Unknown user or wrong password — deliberately indistinguishable. */
  "invalid_credentials",
  "inactive_user",
  /** A requested scope is not in the catalogue. */
  "invalid_scope",
  /** A malformed request: duplicate parameters, a field that breaks a rule. */
  "invalid_request",
  /**
   * A string a store was given holds a character no store can keep (NUL): refused by every store
   * alike, before it reaches the database.
   */
  "invalid_input",
  "unsupported_grant_type",
  /** Client authentication failed: unknown or disabled client, wrong secret, malformed Basic. */
  "invalid_client",
  /** An authenticated client asked for a grant it may not use (RFC 6749 §5.2). */
  "unauthorized_client",
  /** A confidential client asked to revoke a token issued to another client (RFC 7009 §2.1). */
  "token_not_owned",
  "token_missing",
  /** Malformed, bad signature, wrong algorithm or type, unknown subject. */
  "token_invalid",
  "token_expired",
  /** A refresh token that is unknown, spent, revoked, expired or cut off. */
  "refresh_token_invalid",
  /**
   * An authorization code that is unknown, used, expired, issued to another client or for
   * another redirect URI, or whose PKCE verifier does not match (RFC 6749 §5.2 invalid_grant).
   */
  "authorization_code_invalid",
  "insufficient_scope",
  "username_taken",
  "user_not_found",
  /** A client registration with this `client_id` exists. */
  "client_id_taken",
  "client_not_found",
  /** The user has not consented to that client (or the consent was revoked). */
  "consent_not_found",
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
  /** A device code that is unknown, spent, or was issued to another client (RFC 8628 §3.5). */
  "device_code_invalid",
  /** The user has not yet approved or denied the device code (RFC 8628 §3.5). */
  "authorization_pending",
  /** The device polled faster than its interval, which grows by 5 s (RFC 8628 §3.5). */
  "slow_down",
  /** The device code's lifetime ended before it was redeemed (RFC 8628 §3.5). */
  "expired_token",
  /** The user denied the device's request (RFC 8628 §3.5). */
  "access_denied",
  /** A user code entered at `/device` that names no pending device authorization. */
  "user_code_invalid",
  /** A form's CSRF token is missing or does not belong to the session. */
  "csrf_token_invalid",
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
