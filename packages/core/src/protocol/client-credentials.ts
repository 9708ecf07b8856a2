// Reading how a client presents itself at /token, /revoke and /introspect (RFC 6749 §2.3.1):
// HTTP Basic (`client_secret_basic`), form parameters (`client_secret_post`), a signed assertion
// (`private_key_jwt`, RFC 7523 §2.2), or a bare client_id.
import { JWT_BEARER_ASSERTION_TYPE } from "../clients/client-assertion.ts";
import { AuthError } from "../errors.ts";

/** How a request presents its client, once the wire rules passed; nothing is verified yet. */
export type PresentedClient =
  /** No client at all: the seed's client-less password login. */
  | { readonly kind: "none" }
  /** A client id and secret, to be checked against the registry. */
  | {
      readonly kind: "secret";
      readonly method: "client_secret_basic" | "client_secret_post";
      readonly clientId: string;
      readonly secret: string;
    }
  /** A client id without a secret: a public client identifying itself (RFC 6749 §2.3, §3.2.1). */
  | { readonly kind: "id"; readonly clientId: string }
  /**
   * A JWT the client signed with one of its registered keys (RFC 7523 §2.2); `clientId` is the
   * form's `client_id` when sent (the assertion's `sub` names the client otherwise).
   */
  | {
      readonly kind: "assertion";
      readonly clientId: string | undefined;
      readonly assertion: string;
    };

/** The client parameters of a form; empty values count as absent, as FastAPI reads forms. */
export interface ClientFormParameters {
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
  /** RFC 7521 §4.2 `client_assertion_type`. */
  readonly clientAssertionType?: string | undefined;
  /** RFC 7521 §4.2 `client_assertion`. */
  readonly clientAssertion?: string | undefined;
}

// RFC 6749 Appendix A.1: client_id and client_secret are VSCHAR (visible ASCII and space).
const vschar = /^[\x20-\x7e]{1,256}$/;
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const badBasic = (why: string): AuthError =>
  new AuthError("invalid_client", `Basic credentials ${why}`);

/** Tells whether an `Authorization` header uses the Basic scheme (RFC 7617), whatever it holds. */
export function usesBasicScheme(authorization: string | undefined): boolean {
  return authorization?.trim().split(" ", 1)[0]?.toLowerCase() === "basic";
}

/**
 * RFC 6749 §2.3.1: the id and secret are `application/x-www-form-urlencoded` before they are
 * joined with `:` and base64-encoded, so `+` is a space and `%XX` a byte of UTF-8.
 */
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return undefined;
  }
}

/** Reads a Basic header into id and secret; `undefined` for Swagger UI's empty `Basic Og==`. */
function readBasic(authorization: string): { clientId: string; secret: string } | undefined {
  const encoded = authorization.trim().slice("basic".length).trim();
  if (!base64.test(encoded) || encoded === "") throw badBasic("are not base64");
  let decoded: string;
  try {
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(encoded, "base64"));
  } catch {
    throw badBasic("are not UTF-8");
  }
  const colon = decoded.indexOf(":");
  if (colon === -1) throw badBasic("have no colon");
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === undefined || secret === undefined) throw badBasic("are not form-encoded");
  if (clientId === "" && secret === "") return undefined;
  if (!vschar.test(clientId) || !vschar.test(secret)) throw badBasic("break the VSCHAR rule");
  return { clientId, secret };
}

/**
 * Decides how a request presents its client: a Basic `Authorization` header, `client_id` and
 * `client_secret` form parameters, `client_id` alone, or nothing. Any other scheme in the header
 * is not client authentication and is ignored, as is an empty Basic header (`:` — what Swagger
 * UI sends when no client was entered).
 * @throws {AuthError} invalid_client when the Basic header is malformed (not base64, no colon,
 * bad `%XX`, a character outside VSCHAR)
 * @throws {AuthError} invalid_request when two methods are used at once (RFC 6749 §2.3: at most
 * one; an assertion with Basic or a secret too), a form `client_id` disagrees with Basic's, a
 * secret comes without a `client_id`, or an assertion without its type (or of another type)
 * @example
 * readPresentedClient("Basic " + btoa("my%20app:s3cret"), {}); // { kind: "secret", clientId: "my app", … }
 */
export function readPresentedClient(
  authorization: string | undefined,
  form: ClientFormParameters,
): PresentedClient {
  const basic = usesBasicScheme(authorization) ? readBasic(authorization ?? "") : undefined;
  const { clientId, clientSecret, clientAssertion, clientAssertionType } = form;
  if (clientAssertion !== undefined || clientAssertionType !== undefined) {
    if (basic !== undefined || clientSecret !== undefined) {
      throw new AuthError("invalid_request", "a client assertion with another authentication");
    }
    if (clientAssertion === undefined || clientAssertionType !== JWT_BEARER_ASSERTION_TYPE) {
      throw new AuthError("invalid_request", "client_assertion needs the jwt-bearer type");
    }
    return { kind: "assertion", clientId, assertion: clientAssertion };
  }
  if (basic !== undefined) {
    if (clientSecret !== undefined) {
      throw new AuthError("invalid_request", "client authenticated with Basic and the form");
    }
    if (clientId !== undefined && clientId !== basic.clientId) {
      throw new AuthError("invalid_request", "client_id differs from the Basic credentials");
    }
    return { kind: "secret", method: "client_secret_basic", ...basic };
  }
  if (clientId === undefined) {
    if (clientSecret !== undefined) {
      throw new AuthError("invalid_request", "client_secret without client_id");
    }
    return { kind: "none" };
  }
  if (clientSecret === undefined) return { kind: "id", clientId };
  return { kind: "secret", method: "client_secret_post", clientId, secret: clientSecret };
}
