// Accepting tokens issued by a FastAPI app (the seed's HS256 JWTs) during a migration window.
import { createHash } from "node:crypto";
import { createVerifier } from "fast-jwt";
import { z } from "zod";
import type { Clock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import type { ScopeCatalogue } from "../scopes.ts";
import { maxTokenLength, type VerifiedAccessToken } from "./tokens.ts";

/** Verifies the tokens of the FastAPI app Gatehouse replaces, while the window is open. */
export interface LegacyTokenVerifier {
  /** Tells whether legacy tokens are still accepted now. */
  isOpen(): boolean;
  /**
   * Verifies a FastAPI-issued token: HS256 with the shared secret, `sub` and `exp`, scopes in a
   * `scopes` list or a `scope` string. Its `issuedAt` is its `iat`, or 0 when it has none, so a
   * per-user "logged out everywhere" cut-off always covers it.
   * @throws {AuthError} token_invalid when the window has closed or anything is malformed or forged
   * @throws {AuthError} token_expired when `exp` is now or in the past
   */
  verify(token: string): VerifiedAccessToken;
}

/** Options of {@link createLegacyTokenVerifier}. */
export interface LegacyTokenVerifierOptions {
  /** The FastAPI app's `SECRET_KEY`, as bytes. */
  readonly secret: Buffer;
  readonly scopes: ScopeCatalogue;
  readonly clock: Clock;
  /** Milliseconds since the epoch; legacy tokens are refused from this moment on. */
  readonly acceptUntil: number;
}

const numericDate = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const legacyClaims = z.object({
  sub: z.string().min(1).max(256),
  exp: numericDate,
  iat: numericDate.optional(),
  nbf: numericDate.optional(),
  scopes: z.array(z.string().max(256)).max(256).optional(),
  scope: z.string().max(4096).optional(),
});

// PyJWT and python-jose write {"alg":"HS256","typ":"JWT"}; a key id would mean another issuer.
const legacyHeader = z.object({
  alg: z.literal("HS256"),
  typ: z
    .string()
    .refine((typ) => typ.toUpperCase() === "JWT")
    .optional(),
  kid: z.never().optional(),
});

/**
 * Creates the verifier for FastAPI-issued tokens. The algorithm is pinned to HS256 whatever the
 * header says.
 * @throws {RangeError} when the secret is shorter than 32 bytes
 */
export function createLegacyTokenVerifier(
  options: LegacyTokenVerifierOptions,
): LegacyTokenVerifier {
  const { secret, scopes, clock, acceptUntil } = options;
  if (secret.length < 32) throw new RangeError("an HS256 secret needs at least 32 bytes");
  const checkSignature = createVerifier({
    key: secret,
    algorithms: ["HS256"],
    complete: true,
    ignoreExpiration: true,
    ignoreNotBefore: true,
  });
  const isOpen = (): boolean => clock.now() < acceptUntil;
  return {
    isOpen,
    verify(token) {
      if (!isOpen()) throw new AuthError("token_invalid", "the legacy token window has closed");
      if (token.length === 0 || token.length > maxTokenLength) {
        throw new AuthError("token_invalid", "token is empty or too long");
      }
      let decoded: { header: unknown; payload: unknown };
      try {
        decoded = checkSignature(token);
      } catch (cause) {
        throw new AuthError("token_invalid", "legacy token failed signature checks", { cause });
      }
      const header = legacyHeader.safeParse(decoded.header);
      const parsed = legacyClaims.safeParse(decoded.payload);
      if (!header.success || !parsed.success) {
        throw new AuthError("token_invalid", "legacy token header or claims are malformed");
      }
      const claims = parsed.data;
      const now = clock.now() / 1000;
      if (claims.nbf !== undefined && claims.nbf > now) {
        throw new AuthError("token_invalid", "token is not valid yet");
      }
      if (claims.exp <= now) throw new AuthError("token_expired", "token has expired");
      const names = claims.scopes ?? (claims.scope ?? "").split(" ");
      return {
        subject: claims.sub,
        scopes: [...new Set(names)].filter((name) => scopes.has(name)),
        // Legacy tokens carry no jti: a digest of the token stands in, and reveals nothing.
        tokenId: `legacy-${createHash("sha256").update(token).digest("base64url").slice(0, 22)}`,
        issuedAt: claims.iat ?? 0,
        issuedAtMs: (claims.iat ?? 0) * 1000,
        expiresAt: claims.exp,
      };
    },
  };
}
