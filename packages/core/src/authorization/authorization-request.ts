// Reading an authorization request (RFC 6749 §4.1.1, OAuth 2.1 §4.1.1, RFC 7636 §4.3) into a
// checked request, an error to send back to the client, or an error only the user may see.

import type { ClientRecord } from "../clients/client.ts";
import type { ClientLookup } from "../clients/client-authentication.ts";
import { isAuthError } from "../errors.ts";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { intersectScopes } from "../scopes.ts";
import { isS256CodeChallenge } from "./pkce.ts";
import { matchRedirectUri } from "./redirect-uri.ts";

/** An authorization request that passed every rule. */
export interface AuthorizationRequest {
  readonly client: ClientRecord;
  /** The presented redirect URI, which matched a registered one. */
  readonly redirectUri: string;
  /** Returned to the client unchanged; `undefined` when it sent none. */
  readonly state: string | undefined;
  /** Requested (all the client's when none) ∩ the client's allowed; the user's are applied later. */
  readonly scopes: readonly Scope[];
  readonly codeChallenge: string;
}

/** Why a request cannot be answered by a redirect: the user sees a page, the client nothing. */
export type AuthorizationPageError =
  | "invalid_client"
  | "missing_redirect_uri"
  | "invalid_redirect_uri"
  | "duplicate_parameter";

/** The error codes of RFC 6749 §4.1.2.1 that Gatehouse sends back to a client. */
export type AuthorizationRedirectError =
  | "invalid_request"
  | "unauthorized_client"
  | "access_denied"
  | "unsupported_response_type"
  | "invalid_scope"
  | "server_error"
  | "temporarily_unavailable";

/** The outcome of reading an authorization request. */
export type AuthorizationRequestResult =
  | { readonly kind: "valid"; readonly request: AuthorizationRequest }
  /** RFC 6749 §4.1.2.1: sent to the (valid) redirect URI with `state`. */
  | {
      readonly kind: "redirect_error";
      readonly redirectUri: string;
      readonly state: string | undefined;
      readonly error: AuthorizationRedirectError;
      readonly description: string;
    }
  /** RFC 6749 §4.1.2.1: unknown client or bad redirect URI: no redirect, no open redirector. */
  | { readonly kind: "page_error"; readonly error: AuthorizationPageError };

/** What {@link readAuthorizationRequest} needs. */
export interface AuthorizationRequestDeps {
  readonly clients: ClientLookup;
  readonly scopes: ScopeCatalogue;
}

// Bounds on what is echoed or stored, so a request cannot make a redirect or a row huge.
const maxStateLength = 1024;
const maxParameterLength = 2048;

/**
 * Checks an authorization request's query. The client and the redirect URI are checked first:
 * until both are known good, every failure is a page for the user (no redirect). After that,
 * failures go back to the client: `response_type` other than `code` (unsupported_response_type),
 * a client not allowed the `authorization_code` grant (unauthorized_client), a missing, malformed
 * or non-S256 PKCE challenge (invalid_request: OAuth 2.1 requires PKCE of every client and
 * Gatehouse offers only S256), an unknown scope (invalid_scope) or a repeated parameter.
 */
export async function readAuthorizationRequest(
  deps: AuthorizationRequestDeps,
  query: URLSearchParams,
): Promise<AuthorizationRequestResult> {
  const seen = new Set<string>();
  let repeated = false;
  for (const name of query.keys()) {
    if (seen.has(name)) repeated = true;
    seen.add(name);
  }
  const read = (name: string): string | undefined => {
    const value = query.get(name);
    return value === null || value === "" ? undefined : value;
  };
  const clientId = read("client_id");
  const presentedUri = read("redirect_uri");
  // RFC 6749 §3.1: parameters MUST NOT be included more than once. A repeated client_id or
  // redirect_uri leaves it open which one to trust, so those cannot be redirected.
  if (query.getAll("client_id").length > 1 || query.getAll("redirect_uri").length > 1) {
    return { kind: "page_error", error: "duplicate_parameter" };
  }
  if (clientId === undefined || clientId.length > 128) {
    return { kind: "page_error", error: "invalid_client" };
  }
  const client = await deps.clients.findClient(clientId);
  if (client === undefined || client.disabled) {
    return { kind: "page_error", error: "invalid_client" };
  }
  // OAuth 2.1 requires redirect_uri unless one is registered; Gatehouse always requires it, so
  // the token request's redirect_uri check is never skipped.
  if (presentedUri === undefined) return { kind: "page_error", error: "missing_redirect_uri" };
  const redirectUri = matchRedirectUri(client.redirectUris, presentedUri);
  if (redirectUri === undefined) return { kind: "page_error", error: "invalid_redirect_uri" };

  const rawState = query.get("state") ?? undefined;
  const state = rawState !== undefined && rawState.length <= maxStateLength ? rawState : undefined;
  const refuse = (
    error: AuthorizationRedirectError,
    description: string,
  ): AuthorizationRequestResult => ({
    kind: "redirect_error",
    redirectUri,
    state,
    error,
    description,
  });
  if (repeated) return refuse("invalid_request", "a parameter was sent more than once");
  if (rawState !== undefined && state === undefined) {
    return refuse("invalid_request", "state is too long");
  }
  for (const value of query.values()) {
    if (value.length > maxParameterLength)
      return refuse("invalid_request", "a parameter is too long");
  }
  const responseType = read("response_type");
  if (responseType === undefined) return refuse("invalid_request", "response_type is required");
  if (responseType !== "code") {
    return refuse("unsupported_response_type", "only response_type=code is supported");
  }
  if (!client.grantTypes.includes("authorization_code")) {
    return refuse("unauthorized_client", "the client may not use the authorization code grant");
  }
  const challenge = read("code_challenge");
  const method = read("code_challenge_method");
  if (challenge === undefined) return refuse("invalid_request", "code_challenge is required");
  // RFC 7636 §4.3: an absent method means plain, which OAuth 2.1 and RFC 9700 §2.1.1 discourage.
  if (method !== "S256") {
    return refuse("invalid_request", "code_challenge_method must be S256");
  }
  if (!isS256CodeChallenge(challenge)) {
    return refuse("invalid_request", "code_challenge is not an S256 challenge");
  }
  const rawScope = read("scope");
  let scopes: readonly Scope[];
  try {
    const requested = rawScope === undefined ? deps.scopes.all : deps.scopes.parse(rawScope);
    scopes = intersectScopes(requested, client.scopes);
  } catch (error) {
    if (isAuthError(error, "invalid_scope")) return refuse("invalid_scope", "unknown scope");
    throw error;
  }
  return {
    kind: "valid",
    request: { client, redirectUri, state, scopes, codeChallenge: challenge },
  };
}

/**
 * The URI the user agent is sent to after an authorization request: the redirect URI with the
 * response parameters added to its query (RFC 6749 §4.1.2, keeping its own query) and `iss`
 * (RFC 9207), which lets a client that talks to several servers tell which one answered.
 */
export function authorizationResponseUri(
  redirectUri: string,
  parameters: Readonly<Record<string, string | undefined>>,
  issuer: string,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined) url.searchParams.append(name, value);
  }
  url.searchParams.append("iss", issuer);
  return url.href;
}
