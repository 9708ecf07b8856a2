// A token request (RFC 6749 §3.2) with its grant type decided: what the form parser yields and
// the token endpoint runs.

/** A password grant request (RFC 6749 §4.3.2) whose form passed every syntactic rule. */
export interface PasswordTokenRequest {
  readonly grantType: "password";
  readonly username: string;
  readonly password: string;
  /** The raw `scope` parameter; absent asks for every scope the user is allowed. */
  readonly scope?: string | undefined;
  /** The `client_id` form parameter (RFC 6749 §2.3.1 `client_secret_post`, or a public client). */
  readonly clientId?: string | undefined;
  /** The `client_secret` form parameter; present only when sent and not empty. */
  readonly clientSecret?: string | undefined;
  /** `client_assertion_type` and `client_assertion` (private_key_jwt, RFC 7523 §2.2). */
  readonly clientAssertionType?: string | undefined;
  readonly clientAssertion?: string | undefined;
  /** The `device_proof` form parameter, a proof this device was given at an earlier login. */
  readonly deviceProof?: string | undefined;
}

/** A refresh token grant request (RFC 6749 §6) whose form passed every syntactic rule. */
export interface RefreshTokenRequest {
  readonly grantType: "refresh_token";
  readonly refreshToken: string;
  /** The raw `scope` parameter; absent asks for the scopes of the token's login. */
  readonly scope?: string | undefined;
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
  readonly clientAssertionType?: string | undefined;
  readonly clientAssertion?: string | undefined;
}

/** A client credentials grant request (RFC 6749 §4.4.2): the client asks for itself. */
export interface ClientCredentialsTokenRequest {
  readonly grantType: "client_credentials";
  /** The raw `scope` parameter; absent asks for every scope the client is allowed. */
  readonly scope?: string | undefined;
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
  readonly clientAssertionType?: string | undefined;
  readonly clientAssertion?: string | undefined;
}

/** A device code grant request (RFC 8628 §3.4): a device polls for its user's decision. */
export interface DeviceCodeTokenRequest {
  readonly grantType: "urn:ietf:params:oauth:grant-type:device_code";
  readonly deviceCode: string;
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
}

/** An authorization code grant request (RFC 6749 §4.1.3, RFC 7636 §4.5). */
export interface AuthorizationCodeTokenRequest {
  readonly grantType: "authorization_code";
  readonly code: string;
  /** Must equal the authorization request's; absent fails the grant. */
  readonly redirectUri?: string | undefined;
  /** The PKCE verifier; absent fails the grant, since every code has a challenge. */
  readonly codeVerifier?: string | undefined;
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
}

/** A token request, its grant type decided: what the token endpoint runs. */
export type TokenRequest =
  | PasswordTokenRequest
  | RefreshTokenRequest
  | ClientCredentialsTokenRequest
  | DeviceCodeTokenRequest
  | AuthorizationCodeTokenRequest;
