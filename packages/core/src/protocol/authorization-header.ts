// Reading the Authorization header of a resource request (RFC 6750 §2.1, RFC 9110 §11.6.2).

/** What an `Authorization` header holds, as far as a bearer-protected route cares. */
export type AuthorizationHeader =
  | { readonly kind: "missing" }
  /** A scheme other than Bearer, e.g. Basic. */
  | { readonly kind: "other-scheme" }
  /** `Bearer` with no token, or a value outside the b64token grammar. */
  | { readonly kind: "malformed" }
  | { readonly kind: "bearer"; readonly token: string };

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Parses an `Authorization` header; the scheme name is case-insensitive (RFC 9110 §11.1). */
export function parseAuthorizationHeader(value: string | undefined): AuthorizationHeader {
  if (value === undefined || value.trim() === "") return { kind: "missing" };
  const trimmed = value.trim();
  const space = trimmed.indexOf(" ");
  const scheme = space === -1 ? trimmed : trimmed.slice(0, space);
  if (scheme.toLowerCase() !== "bearer") return { kind: "other-scheme" };
  const token = space === -1 ? "" : trimmed.slice(space + 1).trim();
  return b64token.test(token) ? { kind: "bearer", token } : { kind: "malformed" };
}
