// Parsing the token endpoint's form body (RFC 6749 §4.3.2) into a typed request or a precise failure.
import { isAcceptablePassword, maxPasswordBytes } from "../passwords/hasher.ts";
import type { ValidationIssue } from "./error-responses.ts";

/** A token request whose form passed every syntactic rule. */
interface TokenForm {
  readonly username: string;
  readonly password: string;
  /** The raw `scope` parameter; `undefined` when absent or empty. */
  readonly scope: string | undefined;
  /** `undefined` when the client sent none (allowed unless strict). */
  readonly grantType: string | undefined;
  /** The `client_id` the client named, if any; recorded in the token (RFC 9068 §2.2). */
  readonly clientId: string | undefined;
}

/** A refresh token grant request (RFC 6749 §6) whose form passed every syntactic rule. */
interface RefreshTokenForm {
  readonly refreshToken: string;
  /** The raw `scope` parameter; `undefined` when absent or empty. */
  readonly scope: string | undefined;
}

/** The outcome of reading a token form. */
export type TokenFormResult =
  | { readonly kind: "form"; readonly form: TokenForm }
  | { readonly kind: "refresh"; readonly form: RefreshTokenForm }
  /** FastAPI-style 422: missing or invalid fields. */
  | { readonly kind: "invalid"; readonly issues: readonly ValidationIssue[] }
  /** RFC 6749 §3.2: a parameter sent more than once. */
  | { readonly kind: "duplicate"; readonly name: string };

const formType = "application/x-www-form-urlencoded";

// RFC 6749 Appendix A.1: client_id is VSCHAR; spaces are refused too, and the length is bounded.
const clientIdPattern = /^[\x21-\x7e]{1,128}$/;

/** Tells whether a Content-Type header names a URL-encoded form (parameters such as charset allowed). */
function isFormContentType(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === formType;
}

/**
 * Reads a token request body. Anything but a URL-encoded form is answered like FastAPI answers a
 * JSON body at a form route: the required fields are reported missing.
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
  if (grantType === "refresh_token") {
    const refreshToken = read("refresh_token");
    if (refreshToken === undefined) return { kind: "invalid", issues: [missing("refresh_token")] };
    return { kind: "refresh", form: { refreshToken, scope: read("scope") } };
  }
  const username = read("username");
  const password = read("password");
  const issues: ValidationIssue[] = [];
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
  const clientId = read("client_id");
  if (clientId !== undefined && !clientIdPattern.test(clientId)) {
    issues.push({
      type: "string_invalid",
      loc: ["body", "client_id"],
      msg: "client_id must be 1 to 128 visible ASCII characters",
      input: null,
    });
  }
  if (username === undefined || password === undefined || issues.length > 0) {
    return { kind: "invalid", issues };
  }
  return { kind: "form", form: { username, password, scope: read("scope"), grantType, clientId } };
}

function missing(field: string): ValidationIssue {
  return { type: "missing", loc: ["body", field], msg: "Field required", input: null };
}
