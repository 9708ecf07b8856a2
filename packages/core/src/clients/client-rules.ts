// The rules a client registration follows: its id, name, redirect URIs, grants and audiences.
import { AuthError } from "../errors.ts";
import type { ClientGrantType, ClientType } from "./client.ts";
import { clientGrantTypes } from "./client.ts";

/** The most characters a client's name has. */
export const maxClientNameLength = 128;
/** The most redirect URIs (and, separately, audiences) one client registers. */
export const maxClientListLength = 16;
/** The longest redirect URI or audience accepted. */
export const maxClientUriLength = 2048;

// RFC 3986 unreserved characters: safe in a path, a form and (having no `:`) in Basic credentials.
const clientIdPattern = /^[A-Za-z0-9._~-]{1,128}$/;
// C0, DEL and C1: a name or audience holding one could rewrite a terminal line or a log entry.
const controlCharacter = /\p{Cc}/u;

/** Tells whether `clientId` could be a `client_id`: 1 to 128 of `A-Z a-z 0-9 . _ ~ -`. */
export function isValidClientId(clientId: string): boolean {
  return clientIdPattern.test(clientId);
}

/** Tells whether `name` is an acceptable client name: 1 to 128 characters, no control characters, not blank. */
export function isValidClientName(name: string): boolean {
  return (
    name.trim() !== "" && [...name].length <= maxClientNameLength && !controlCharacter.test(name)
  );
}

// RFC 8252 §7.3 and §8.3: loopback redirects use http; the port may vary, the host may not.
const loopbackHosts = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * Why `uri` cannot be a redirect URI, or `undefined` when it can. Accepted: an absolute `https`
 * URI; `http` only on a loopback host (127.0.0.1, [::1], localhost — RFC 8252 §7.3); a private-use
 * scheme of a native app, which RFC 8252 §7.1 wants in reverse-domain form (so it holds a `.`,
 * like `com.example.app:/callback`). Never a fragment (RFC 6749 §3.1.2) or user information.
 */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > maxClientUriLength) return `is longer than ${maxClientUriLength} characters`;
  // RFC 6749 §3.1.2: the endpoint URI MUST NOT include a fragment component.
  if (uri.includes("#")) return "has a fragment";
  if (!URL.canParse(uri) || /\s/.test(uri)) return "is not an absolute URI";
  const url = new URL(uri);
  if (url.username !== "" || url.password !== "") return "holds user information";
  const scheme = url.protocol.slice(0, -1);
  if (scheme === "https") return url.hostname === "" ? "names no host" : undefined;
  if (scheme === "http") {
    return loopbackHosts.has(url.hostname) ? undefined : "uses http on a host that is not loopback";
  }
  // A reverse-domain scheme (RFC 8252 §7.1); this also keeps out javascript:, data:, file: and
  // the like, none of which holds a period.
  return scheme.includes(".") ? undefined : "uses a scheme that is not https or reverse-domain";
}

/** A client's grants and redirect URIs, as they will be stored, for {@link checkClientGrants}. */
interface GrantShape {
  readonly type: ClientType;
  readonly grantTypes: readonly ClientGrantType[];
  readonly redirectUris: readonly string[];
}

/**
 * Checks that a client's grants fit its type and registration: a public client cannot use
 * `client_credentials` (it has no secret to authenticate with, RFC 6749 §4.4), and the
 * authorization-code grant needs a registered redirect URI (OAuth 2.1 §2.3).
 * @throws {AuthError} invalid_request naming the rule broken
 */
export function checkClientGrants(shape: GrantShape): void {
  if (shape.type === "public" && shape.grantTypes.includes("client_credentials")) {
    throw new AuthError("invalid_request", "a public client cannot use client_credentials");
  }
  if (shape.grantTypes.includes("authorization_code") && shape.redirectUris.length === 0) {
    throw new AuthError("invalid_request", "authorization_code needs at least one redirect URI");
  }
}

/** Tells whether `name` is a grant type a client may be allowed. */
export function isClientGrantType(name: string): name is ClientGrantType {
  return (clientGrantTypes as readonly string[]).includes(name);
}

/**
 * Checks a list of grant type names, dropping duplicates.
 * @throws {AuthError} invalid_request naming an unknown grant type
 */
export function checkGrantTypes(names: readonly string[]): readonly ClientGrantType[] {
  const out: ClientGrantType[] = [];
  for (const name of names) {
    if (!isClientGrantType(name)) {
      throw new AuthError(
        "invalid_request",
        `unknown grant type ${name}; one of ${clientGrantTypes.join(", ")}`,
      );
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/**
 * Checks redirect URIs (see {@link redirectUriProblem}), dropping duplicates.
 * @throws {AuthError} invalid_request naming the first URI refused and why
 */
export function checkRedirectUris(uris: readonly string[]): readonly string[] {
  const out = [...new Set(uris)];
  if (out.length > maxClientListLength) {
    throw new AuthError("invalid_request", `at most ${maxClientListLength} redirect URIs`);
  }
  for (const uri of out) {
    const problem = redirectUriProblem(uri);
    if (problem !== undefined) {
      throw new AuthError("invalid_request", `redirect URI ${uri} ${problem}`);
    }
  }
  return out;
}

/**
 * Checks access-token audiences (`aud` values): 1 to 2048 characters without whitespace or control
 * characters, at most 16, duplicates dropped.
 * @throws {AuthError} invalid_request
 */
export function checkAudiences(audiences: readonly string[]): readonly string[] {
  const out = [...new Set(audiences)];
  if (out.length > maxClientListLength) {
    throw new AuthError("invalid_request", `at most ${maxClientListLength} audiences`);
  }
  for (const audience of out) {
    if (
      audience === "" ||
      audience.length > maxClientUriLength ||
      /\s/.test(audience) ||
      controlCharacter.test(audience)
    ) {
      throw new AuthError("invalid_request", "an audience is 1 to 2048 characters without spaces");
    }
  }
  return out;
}

/**
 * Checks a client name.
 * @throws {AuthError} invalid_request
 */
export function checkClientName(name: string): string {
  if (!isValidClientName(name)) {
    throw new AuthError(
      "invalid_request",
      `a client name is 1 to ${maxClientNameLength} characters, not blank, without control characters`,
    );
  }
  return name;
}
