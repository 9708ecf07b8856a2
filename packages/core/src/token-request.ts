// A token request (RFC 6749 §3.2) with its grant type decided: what the form parser yields and
// the token endpoint runs.

/** A password grant request (RFC 6749 §4.3.2) whose form passed every syntactic rule. */
export interface PasswordTokenRequest {
  readonly grantType: "password";
  readonly username: string;
  readonly password: string;
  /** The raw `scope` parameter; absent asks for every scope the user is allowed. */
  readonly scope?: string | undefined;
  /** The `client_id` the client named, written into the token (RFC 9068 §2.2). */
  readonly clientId?: string | undefined;
}

/** A refresh token grant request (RFC 6749 §6) whose form passed every syntactic rule. */
export interface RefreshTokenRequest {
  readonly grantType: "refresh_token";
  readonly refreshToken: string;
  /** The raw `scope` parameter; absent asks for the scopes of the token's login. */
  readonly scope?: string | undefined;
}

/** A token request, its grant type decided: what the token endpoint runs. */
export type TokenRequest = PasswordTokenRequest | RefreshTokenRequest;
