// The one shape of an access token's header and claims, and the small rules for reading them.
import { z } from "zod";
import { isScopeToken } from "../scopes.ts";

// RFC 7519 NumericDate: a finite number of seconds; we issue integers and accept only integers.
const numericDate = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * The claims of every access token a verifier accepts: Gatehouse's own (RFC 9068), read locally
 * or by a resource server, and the FastAPI seed's, which carry no `jti` or `iat` and list their
 * scopes in a `scopes` array. Which members a token must carry beyond `sub` and `exp` is the
 * verifier's to require; members not named here are kept as they came.
 */
export const accessTokenClaimsSchema = z.looseObject({
  sub: z.string().min(1).max(256),
  exp: numericDate,
  iat: numericDate.optional(),
  /** Private: `iat` in milliseconds, so a cut-off in the same second tells before from after. */
  iat_ms: numericDate.optional(),
  nbf: numericDate.optional(),
  jti: z.string().min(1).max(256).optional(),
  /** RFC 9068 §2.2.3, RFC 6749 §3.3: scope-tokens separated by single spaces (or none). */
  scope: z
    .string()
    .max(4096)
    .refine((text) => text === "" || text.split(" ").every(isScopeToken))
    .optional(),
  /**
   * FastAPI's scopes tutorial: a JSON list (`payload.get("scopes", [])`), one scope-token per
   * element — `["me items"]` is refused, never split into two scopes.
   */
  scopes: z.array(z.string().max(256).refine(isScopeToken)).max(256).optional(),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  client_id: z.string().min(1).max(256).optional(),
});

/** The claims of a token whose signature verified, as {@link accessTokenClaimsSchema} read them. */
export type AccessTokenClaims = Readonly<z.infer<typeof accessTokenClaimsSchema>>;

/** The protected header members a verifier reads; the key decides what they must say. */
export const tokenHeaderSchema = z.object({
  alg: z.string(),
  typ: z.string().optional(),
  kid: z.string().optional(),
});

/**
 * The two forms of token a verifier accepts: `at+jwt`, an RFC 9068 access token (Gatehouse's),
 * and `fastapi`, a token of the replaced FastAPI app (HS256, `typ: JWT` or none, no `kid`).
 */
export type TokenForm = "at+jwt" | "fastapi";

/** RFC 9068 §4: `typ` is compared case-insensitively and may carry an "application/" prefix. */
export function isAccessTokenType(typ: string | undefined): boolean {
  return typ !== undefined && typ.toLowerCase().replace(/^application\//, "") === "at+jwt";
}

/** What PyJWT and python-jose write as `typ`, if anything; a key id would mean another issuer. */
export function isFastapiHeader(header: z.infer<typeof tokenHeaderSchema>): boolean {
  return (
    header.kid === undefined && (header.typ === undefined || header.typ.toUpperCase() === "JWT")
  );
}

/**
 * The scope names a token grants, each once: RFC 9068's space-separated `scope`; for a FastAPI
 * token its `scopes` list when present, else its `scope`.
 */
export function grantedScopeNames(claims: AccessTokenClaims, form: TokenForm): string[] {
  const names =
    form === "fastapi" && claims.scopes !== undefined
      ? claims.scopes
      : (claims.scope ?? "").split(" ");
  return [...new Set(names)].filter((name) => name !== "");
}

// A claim that disagrees with `iat` is ignored: the start of the `iat` second is the safe reading.
export function issuedAtMillis(iat: number, iatMs: number | undefined): number {
  return iatMs !== undefined && Math.floor(iatMs / 1000) === iat ? iatMs : iat * 1000;
}

/** Tells whether an `aud` claim names `expected`. */
export function hasAudience(
  aud: string | readonly string[] | undefined,
  expected: string,
): boolean {
  return typeof aud === "string" ? aud === expected : (aud?.includes(expected) ?? false);
}
