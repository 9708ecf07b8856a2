// Parsing the token endpoint's form body (RFC 6749 §4.3.2) into a typed request or a precise failure.

import { isAcceptablePassword, maxPasswordBytes } from "../passwords/hasher.ts";
import type { TokenRequest } from "../token-request.ts";
import type { ValidationIssue } from "./error-responses.ts";

/** The outcome of reading a token form. */
export type TokenFormResult =
  /** A request for one of the offered grants: the only place the grant type is decided. */
  | { readonly kind: "request"; readonly request: TokenRequest }
  /** RFC 6749 §5.2 unsupported_grant_type: a well-formed request for a grant not offered. */
  | { readonly kind: "unsupported" }
  /** FastAPI-style 422: missing or invalid fields. */
  | { readonly kind: "invalid"; readonly issues: readonly ValidationIssue[] }
  /** RFC 6749 §3.2: a parameter sent more than once. */
  | { readonly kind: "duplicate"; readonly name: string };

const formType = "application/x-www-form-urlencoded";
const deviceCodeGrantType = "urn:ietf:params:oauth:grant-type:device_code";

// RFC 6749 Appendix A.1: client_id is VSCHAR; spaces are refused too, and the length is bounded.
const clientIdPattern = /^[\x21-\x7e]{1,128}$/;

/** Tells whether a Content-Type header names a URL-encoded form (parameters such as charset allowed). */
function isFormContentType(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === formType;
}

/**
 * Reads a token request body and decides its grant: `grant_type=refresh_token` is the refresh
 * token grant; `client_credentials` the client credentials grant; `authorization_code` the
 * authorization code grant; `urn:ietf:params:oauth:grant-type:device_code` the device code grant
 * (RFC 8628 §3.4); `password`, or no grant type unless `strictGrantType`, the password grant. Any
 * other grant type is unsupported once the password grant's fields pass, so a client hears about
 * missing fields first, as before grant types were told apart. Anything but a URL-encoded form is
 * answered like FastAPI answers a JSON body at a form route: the required fields are reported
 * missing.
 */
export function parseTokenForm(
  body: string,
  contentType: string | undefined,
  options: { readonly strictGrantType: boolean },
): TokenFormResult {
  const params = isFormContentType(contentType) ? new URLSearchParams(body) : new URLSearchParams();
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name)) return { kind: "duplicate", name };
    seen.add(name);
  }
  // FastAPI treats an empty form value as absent.
  const read = (name: string): string | undefined => {
    const value = params.get(name);
    return value === null || value === "" ? undefined : value;
  };
  const grantType = read("grant_type");
  const issues: ValidationIssue[] = [];
  const clientId = read("client_id");
  if (clientId !== undefined && !clientIdPattern.test(clientId)) {
    issues.push({
      type: "string_invalid",
      loc: ["body", "client_id"],
      msg: "client_id must be 1 to 128 visible ASCII characters",
      input: null,
    });
  }
  const clientSecret = read("client_secret");
  const clientAssertionType = read("client_assertion_type");
  const clientAssertion = read("client_assertion");
  // Present only when sent, so a request without client parameters reads as before clients.
  const client = {
    ...(clientId === undefined ? {} : { clientId }),
    ...(clientSecret === undefined ? {} : { clientSecret }),
    ...(clientAssertionType === undefined ? {} : { clientAssertionType }),
    ...(clientAssertion === undefined ? {} : { clientAssertion }),
  };
  if (grantType === "refresh_token") {
    const refreshToken = read("refresh_token");
    if (refreshToken === undefined) issues.push(missing("refresh_token"));
    if (refreshToken === undefined || issues.length > 0) return { kind: "invalid", issues };
    return {
      kind: "request",
      request: { grantType: "refresh_token", refreshToken, scope: read("scope"), ...client },
    };
  }
  if (grantType === deviceCodeGrantType) {
    const deviceCode = read("device_code");
    if (deviceCode === undefined) issues.push(missing("device_code"));
    if (deviceCode === undefined || issues.length > 0) return { kind: "invalid", issues };
    return { kind: "request", request: { grantType: deviceCodeGrantType, deviceCode, ...client } };
  }
  if (grantType === "authorization_code") {
    const code = read("code");
    if (code === undefined) issues.push(missing("code"));
    if (code === undefined || issues.length > 0) return { kind: "invalid", issues };
    return {
      kind: "request",
      request: {
        grantType: "authorization_code",
        code,
        redirectUri: read("redirect_uri"),
        codeVerifier: read("code_verifier"),
        ...client,
      },
    };
  }
  if (grantType === "client_credentials") {
    if (issues.length > 0) return { kind: "invalid", issues };
    return {
      kind: "request",
      request: { grantType: "client_credentials", scope: read("scope"), ...client },
    };
  }
  const username = read("username");
  const password = read("password");
  if (options.strictGrantType && grantType === undefined) issues.push(missing("grant_type"));
  if (username === undefined) issues.push(missing("username"));
  if (password === undefined) issues.push(missing("password"));
  else if (!isAcceptablePassword(password)) {
    issues.push({
      type: "string_invalid",
      loc: ["body", "password"],
      msg: `Password must be at most ${maxPasswordBytes} bytes and contain no NUL character`,
      input: null,
    });
  }
  if (username === undefined || password === undefined || issues.length > 0) {
    return { kind: "invalid", issues };
  }
  if (grantType !== undefined && grantType !== "password") return { kind: "unsupported" };
  return {
    kind: "request",
    request: {
      grantType: "password",
      username,
      password,
      scope: read("scope"),
      clientId,
      ...client,
      ...deviceProofOf(read("device_proof")),
    },
  };
}

// A proof longer than any this service issues is no proof; it is not worth an HMAC.
function deviceProofOf(value: string | undefined): { deviceProof?: string } {
  return value === undefined || value.length > 128 ? {} : { deviceProof: value };
}

function missing(field: string): ValidationIssue {
  return { type: "missing", loc: ["body", field], msg: "Field required", input: null };
}
