// What a verified access token grants this service: the verifier's claims read against the catalogue.
import { createHash } from "node:crypto";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { grantedScopeNames, issuedAtMillis, type TokenForm } from "./claims.ts";
import type { CheckedToken } from "./token-verifier.ts";

/** The claims of a token that passed every check. */
export interface VerifiedAccessToken {
  readonly subject: string;
  /** Granted scopes that are still in the catalogue. */
  readonly scopes: readonly Scope[];
  /**
   * `jti`; for a FastAPI token, which has none, `legacy-` and a digest of the token (a digest
   * too for a token without `jti`, when the verifier does not require one).
   */
  readonly tokenId: string;
  /** Seconds since the epoch, as on the wire; 0 for a FastAPI token without `iat`. */
  readonly issuedAt: number;
  /**
   * Milliseconds since the epoch, from the private `iat_ms` claim (so a per-user cut-off set in
   * the same second as a login can tell before from after); `issuedAt * 1000` when absent.
   */
  readonly issuedAtMs: number;
  readonly expiresAt: number;
  /** `fastapi` for a token of the replaced FastAPI app, which says nothing of when it was issued. */
  readonly form: TokenForm;
  /** RFC 9068 `client_id`, present when the token request named a client. */
  readonly clientId?: string;
}

/**
 * Reads a checked token as this service sees it: only scopes still in `catalogue`, and the
 * FastAPI form normalised — no `iat` reads as 0, so a per-user "logged out everywhere" cut-off
 * always covers it, and a digest of the token stands in for its missing `jti`.
 */
export function readVerifiedAccessToken(
  checked: CheckedToken,
  catalogue: ScopeCatalogue,
): VerifiedAccessToken {
  const { claims, form } = checked;
  const issuedAt = claims.iat ?? 0;
  return Object.freeze({
    subject: claims.sub,
    scopes: Object.freeze(grantedScopeNames(claims, form).filter((name) => catalogue.has(name))),
    tokenId:
      form === "fastapi"
        ? `legacy-${digestOf(checked.token)}`
        : (claims.jti ?? digestOf(checked.token)),
    issuedAt,
    issuedAtMs: issuedAtMillis(issuedAt, claims.iat_ms),
    expiresAt: claims.exp,
    form,
    ...(claims.client_id === undefined ? {} : { clientId: claims.client_id }),
  });
}

// Stands in for a missing `jti` and reveals nothing of the token; the `legacy-` prefix of a
// FastAPI token's id lets the metrics count legacy verifications.
function digestOf(token: string): string {
  return createHash("sha256").update(token).digest("base64url").slice(0, 22);
}
