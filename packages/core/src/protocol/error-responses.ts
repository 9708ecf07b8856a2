// The one table that turns AuthError codes into HTTP answers.
import type { AuthError, AuthErrorCode } from "../errors.ts";

/** Where an error happened: the token endpoint answers RFC 6749 §5.2, resources RFC 6750 §3. */
export type ErrorEndpoint = "token" | "resource";

/** The statuses Gatehouse refuses a request with. */
const errorStatuses = [
  400, 401, 403, 404, 405, 408, 409, 413, 415, 422, 429, 431, 500, 503,
] as const;
type ErrorStatus = (typeof errorStatuses)[number];

function isErrorStatus(status: number): status is ErrorStatus {
  return (errorStatuses as readonly number[]).includes(status);
}

/** A ready HTTP answer: status, JSON body and headers. */
export interface ErrorAnswer {
  readonly status: ErrorStatus;
  readonly body: Readonly<Record<string, unknown>>;
  readonly headers: Readonly<Record<string, string>>;
}

interface Entry {
  readonly status: ErrorAnswer["status"];
  /** The seed's `detail` text, kept so FastAPI front ends keep working. */
  readonly detail: string;
  /** RFC 6749 §5.2 `error` at the token endpoint. */
  readonly oauthError?: string;
  /** RFC 6750 §3 `error` in the challenge at a resource; `null` for a bare challenge. */
  readonly challengeError?: string | null;
  readonly retryAfter?: string;
}

const badCredentials = "Could not validate credentials";

const table = {
  // RFC 6749 §5.2 (400 invalid_grant) wins over the JWT page's 401; `detail` kept from the seed.
  invalid_credentials: {
    status: 400,
    detail: "Incorrect username or password",
    oauthError: "invalid_grant",
  },
  // Seed: 400 "Inactive user" at a resource; at /token a disabled user is refused credentials.
  inactive_user: { status: 400, detail: "Inactive user", oauthError: "invalid_grant" },
  invalid_scope: { status: 400, detail: "Invalid scope", oauthError: "invalid_scope" },
  invalid_request: { status: 400, detail: "Invalid request", oauthError: "invalid_request" },
  // A validation error, as FastAPI answers input its schema refuses; the HTTP edge already refuses
  // a NUL in any parameter with a 422 naming the field, this is for input that reaches a store
  // another way (a decoded cursor, a toolkit caller).
  invalid_input: { status: 422, detail: "A value holds a NUL character" },
  unsupported_grant_type: {
    status: 400,
    detail: "Unsupported grant type",
    oauthError: "unsupported_grant_type",
  },
  // RFC 6749 §5.2: 401 invalid_client; the route adds `WWW-Authenticate: Basic` when Basic was
  // used. One answer for every reason (unknown, disabled, wrong secret), so ids cannot be probed.
  invalid_client: {
    status: 401,
    detail: "Client authentication failed",
    oauthError: "invalid_client",
  },
  unauthorized_client: {
    status: 400,
    detail: "The client may not use this grant",
    oauthError: "unauthorized_client",
  },
  // RFC 7009 §2.1: the revocation is refused and the client told; RFC 7009 §2.2.1 leaves the code
  // to RFC 6749 §5.2, and unauthorized_client is what Keycloak answers (docs/decisions.md).
  token_not_owned: {
    status: 400,
    detail: "The token was not issued to this client",
    oauthError: "unauthorized_client",
  },
  // RFC 6750 §3.1: a request without credentials gets a bare challenge — no error attribute.
  token_missing: { status: 401, detail: "Not authenticated", challengeError: null },
  // token_invalid and token_expired answer alike, so a client cannot probe which check failed.
  token_invalid: { status: 401, detail: badCredentials, challengeError: "invalid_token" },
  token_expired: { status: 401, detail: badCredentials, challengeError: "invalid_token" },
  // RFC 6749 §5.2: a bad refresh token is invalid_grant; one answer for every reason it failed.
  refresh_token_invalid: {
    status: 400,
    detail: "Invalid refresh token",
    oauthError: "invalid_grant",
  },
  // RFC 6749 §5.2 and RFC 7636 §4.6: invalid_grant, one answer for every reason a code failed.
  authorization_code_invalid: {
    status: 400,
    detail: "Invalid authorization code",
    oauthError: "invalid_grant",
  },
  // RFC 6750 §3.1: 403 insufficient_scope; the seed answers 401 — the RFC wins (docs/decisions.md).
  insufficient_scope: {
    status: 403,
    detail: "Not enough permissions",
    challengeError: "insufficient_scope",
  },
  username_taken: { status: 409, detail: "Username already exists" },
  user_not_found: { status: 404, detail: "User not found" },
  client_id_taken: { status: 409, detail: "Client id already exists" },
  client_not_found: { status: 404, detail: "Client not found" },
  consent_not_found: { status: 404, detail: "Consent not found" },
  // The admin API answers a refused password as a validation error naming the field; this entry
  // is for any other caller of the account functions.
  weak_password: { status: 422, detail: "The password does not meet the password policy" },
  last_user_admin: {
    status: 409,
    detail:
      "This is the last active account that can manage users (users:write); it cannot be disabled, deleted or lose users:write",
  },
  scope_not_held: { status: 403, detail: "Cannot grant a scope you do not hold" },
  hasher_busy: {
    status: 503,
    detail: "Too many logins in progress, retry shortly",
    oauthError: "temporarily_unavailable",
    retryAfter: "1",
  },
  // RFC 6749 §5.2 has no code for "locked"; temporarily_unavailable (the OAuth registry's code for
  // a refusal to retry later, also used by hasher_busy) tells clients to wait, where invalid_grant
  // would tell them the password is wrong. 429 with Retry-After is RFC 6585 §4. The answer never
  // depends on whether the account exists.
  throttled: {
    status: 429,
    detail: "Too many failed attempts, retry later",
    oauthError: "temporarily_unavailable",
    retryAfter: "1",
  },
  // RFC 8628 §3.5: the device grant's answers at /token, each a 400 with its own `error`.
  device_code_invalid: { status: 400, detail: "Invalid device code", oauthError: "invalid_grant" },
  authorization_pending: {
    status: 400,
    detail: "The user has not yet approved the request",
    oauthError: "authorization_pending",
  },
  slow_down: { status: 400, detail: "Polling too fast, slow down", oauthError: "slow_down" },
  expired_token: {
    status: 400,
    detail: "The device code has expired",
    oauthError: "expired_token",
  },
  access_denied: {
    status: 400,
    detail: "The user denied the request",
    oauthError: "access_denied",
  },
  // The /device page: one answer for unknown, expired and already decided codes, so a guess
  // learns nothing but "wrong".
  user_code_invalid: { status: 400, detail: "Invalid or expired code" },
  csrf_token_invalid: { status: 403, detail: "The form has expired, please try again" },
  // 503, not 401: the token may well be good, and a 401 would send every client back to log in
  // at a Gatehouse that is perhaps the very thing unreachable (docs/decisions.md).
  revocations_unavailable: {
    status: 503,
    detail: "Cannot check revocations right now, retry later",
    retryAfter: "5",
  },
} as const satisfies Record<AuthErrorCode, Entry>;

/**
 * The answer for `code` at `endpoint`; `scopes` are the route's required scopes, for the challenge.
 * `description`, when given, becomes the Bearer challenge's `error_description` at a resource
 * (RFC 6750 §3), made safe by {@link toErrorDescription}; a bare challenge (no credentials) never
 * carries one (§3.1). The service gives none; the toolkit's guard does (see docs/decisions.md).
 */
export function errorAnswer(
  code: AuthErrorCode,
  endpoint: ErrorEndpoint,
  scopes: readonly string[] = [],
  description?: string,
): ErrorAnswer {
  const entry: Entry = table[code];
  let headers: Record<string, string> = {};
  let body: Record<string, unknown> = { detail: entry.detail };
  if (endpoint === "token" && entry.oauthError !== undefined) {
    body = { error: entry.oauthError, error_description: entry.detail, detail: entry.detail };
    headers = { "Cache-Control": "no-store", Pragma: "no-cache" };
  }
  if (endpoint === "resource" && entry.challengeError !== undefined) {
    const challenge = bearerChallenge(entry.challengeError, scopes, description);
    headers = { ...headers, "WWW-Authenticate": challenge };
  }
  if (entry.retryAfter !== undefined) headers = { ...headers, "Retry-After": entry.retryAfter };
  return { status: entry.status, body, headers };
}

/** The answer for an {@link AuthError}, with its own `Retry-After` when it carries one. */
export function errorAnswerFor(
  error: AuthError,
  endpoint: ErrorEndpoint,
  scopes: readonly string[] = [],
): ErrorAnswer {
  const answer = errorAnswer(error.code, endpoint, scopes);
  if (error.retryAfterSeconds === undefined) return answer;
  return {
    ...answer,
    headers: { ...answer.headers, "Retry-After": String(error.retryAfterSeconds) },
  };
}

/**
 * `answer` with RFC 6749 §5.2's `WWW-Authenticate: Basic` challenge, for an `invalid_client`
 * refusal of a client that authenticated with the Authorization header.
 */
export function withBasicChallenge(answer: ErrorAnswer): ErrorAnswer {
  return {
    ...answer,
    headers: { ...answer.headers, "WWW-Authenticate": 'Basic realm="gatehouse", charset="UTF-8"' },
  };
}

// A quoted-string holding a URL: visible ASCII without `"` and `\` (RFC 9110 §5.6.4).
const quotableUrl = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * `answer` with RFC 9728 §5.1's `resource_metadata` parameter added to its Bearer challenge, so a
 * client refused by a resource finds the resource's metadata and, through it, the authorization
 * server. An answer without a Bearer challenge is returned as it is.
 * @throws {TypeError} when `metadataUrl` holds a character a quoted string cannot carry
 * @example
 * withResourceMetadata(errorAnswer("token_missing", "resource"), "https://api.example/.well-known/oauth-protected-resource");
 * // WWW-Authenticate: Bearer resource_metadata="https://api.example/.well-known/oauth-protected-resource"
 */
export function withResourceMetadata(answer: ErrorAnswer, metadataUrl: string): ErrorAnswer {
  if (!quotableUrl.test(metadataUrl)) {
    throw new TypeError("the resource metadata URL cannot be written in a challenge");
  }
  const challenge = answer.headers["WWW-Authenticate"];
  if (challenge === undefined || !/^Bearer(?: |$)/.test(challenge)) return answer;
  const parameter = `resource_metadata="${metadataUrl}"`;
  return {
    ...answer,
    headers: {
      ...answer.headers,
      "WWW-Authenticate":
        challenge === "Bearer" ? `Bearer ${parameter}` : `${challenge}, ${parameter}`,
    },
  };
}

function bearerChallenge(
  error: string | null,
  scopes: readonly string[],
  description: string | undefined,
): string {
  if (error === null) return "Bearer";
  const said = description === undefined ? "" : toErrorDescription(description);
  const explained = said === "" ? "" : `, error_description="${said}"`;
  const scope = scopes.length > 0 ? `, scope="${scopes.join(" ")}"` : "";
  return `Bearer error="${error}"${explained}${scope}`;
}

/** The longest `error_description` written; a longer text is cut. */
const maxDescriptionLength = 200;

/**
 * `text` as RFC 6750 §3 allows an `error_description`: printable ASCII without `"` and `\`
 * (%x20-21 / %x23-5B / %x5D-7E). Each other character becomes `?`, and the text is cut to 200
 * characters, so nothing a token carried can break out of the header's quoted string.
 * @example
 * toErrorDescription('issuer "x"'); // "issuer ?x?"
 */
function toErrorDescription(text: string): string {
  return text.slice(0, maxDescriptionLength).replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, "?");
}

/** FastAPI's validation error item (`422 {"detail": [...]}`), naming the field at fault. */
export interface ValidationIssue {
  readonly type: string;
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly input: unknown;
}

/** A FastAPI-style 422 answer. */
export function validationAnswer(issues: readonly ValidationIssue[]): ErrorAnswer {
  return { status: 422, body: { detail: issues }, headers: {} };
}

// Refusals of the request itself rather than of a credential: no AuthError carries these.
const requestTable = {
  not_found: { status: 404, detail: "Not Found" },
  // Starlette's words and status for a path served under other methods (RFC 9110 §15.5.6).
  method_not_allowed: { status: 405, detail: "Method Not Allowed" },
  body_too_large: { status: 413, detail: "Request body too large" },
} as const satisfies Record<
  string,
  { readonly status: ErrorAnswer["status"]; readonly detail: string }
>;

/** A refusal of the request itself: an unknown path or method, or a body over its route's cap. */
export type RequestErrorCode = keyof typeof requestTable;

/** The answer for a refused request: FastAPI's `{"detail": …}` body with the code's status. */
export function requestErrorAnswer(code: RequestErrorCode): ErrorAnswer {
  const entry = requestTable[code];
  return { status: entry.status, body: { detail: entry.detail }, headers: {} };
}

/**
 * The 405 for a path served under other methods: RFC 9110 §15.5.6 requires `Allow`, listing
 * `methods` in the order given.
 */
export function methodNotAllowedAnswer(methods: readonly string[]): ErrorAnswer {
  const answer = requestErrorAnswer("method_not_allowed");
  return { ...answer, headers: { Allow: methods.join(", ") } };
}

/**
 * The answer for a client error the web framework raised itself (a 4xx it decided), keeping its
 * status and message, which the framework writes for clients; `Bad Request` when it gave none.
 */
export function frameworkErrorAnswer(status: number, message: string): ErrorAnswer {
  return {
    status: isErrorStatus(status) && status < 500 ? status : 400,
    body: { detail: message === "" ? "Bad Request" : message },
    headers: {},
  };
}

/**
 * `/readyz` refusing traffic: 503 with the health document's shape, and why — `detail` comes from
 * the readiness check, which names no path or host.
 */
export function notReadyAnswer(detail: string): ErrorAnswer {
  return { status: 503, body: { status: "unavailable", detail }, headers: {} };
}

/**
 * nginx's 499 "client closed request": no answer, since the client hung up before its request had
 * arrived, but the status the metrics and the access log count such a request with, so an abort
 * is never a 5xx.
 */
export const clientClosedStatus = 499;

/** The fixed answer for anything unexpected: no message, no stack, nothing from the error. */
export const internalErrorAnswer: ErrorAnswer = {
  status: 500,
  body: { detail: "Internal Server Error" },
  headers: {},
};
