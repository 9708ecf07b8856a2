// A TokenService that also accepts the replaced FastAPI app's tokens while the migration window is open.
import type { LegacyTokenVerifier } from "./legacy-verifier.ts";
import type { TokenService } from "./tokens.ts";

/** Reads the `typ` of a JWS header without trusting anything else in it. */
function headerType(token: string): string | undefined {
  const encoded = token.slice(0, token.indexOf("."));
  try {
    const header: unknown = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8"));
    if (typeof header === "object" && header !== null && "typ" in header) {
      return typeof header.typ === "string" ? header.typ : undefined;
    }
  } catch {
    // Not JSON: the primary verifier gives its usual answer below.
  }
  return undefined;
}

/**
 * Wraps `primary` so that a token whose header is not `typ: at+jwt` — one Gatehouse did not
 * issue — is checked by `legacy` while its window is open. Gatehouse's own tokens, and every
 * token once the window closes, go to `primary` alone.
 */
export function createMigratingTokenService(
  primary: TokenService,
  legacy: LegacyTokenVerifier,
): TokenService {
  return {
    issue: (subject, scopes, options) => primary.issue(subject, scopes, options),
    refreshKeysFor: (token) => primary.refreshKeysFor(token),
    verify(token) {
      const typ = headerType(token)
        ?.toLowerCase()
        .replace(/^application\//, "");
      if (typ !== "at+jwt" && legacy.isOpen()) return legacy.verify(token);
      return primary.verify(token);
    },
  };
}
