// The shape of an access token's header and claims, and the small rules for reading them.
import { z } from "zod";

// RFC 7519 NumericDate: a finite number of seconds; we issue integers and accept only integers.
const numericDate = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** The claims Gatehouse issues and accepts. */
export const claimsSchema = z.object({
  sub: z.string().min(1).max(256),
  exp: numericDate,
  iat: numericDate,
  iat_ms: numericDate.optional(),
  nbf: numericDate.optional(),
  jti: z.string().min(1).max(256),
  scope: z.string().max(4096).optional(),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  client_id: z.string().min(1).max(256).optional(),
});

/** The header Gatehouse issues and accepts. */
export const headerSchema = z.object({
  alg: z.string(),
  // RFC 9068 §2.1: "at+jwt"; §4: compared case-insensitively, "application/" prefix allowed.
  typ: z
    .string()
    .transform((typ) => typ.toLowerCase().replace(/^application\//, ""))
    .pipe(z.literal("at+jwt")),
  kid: z.string().optional(),
});

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
