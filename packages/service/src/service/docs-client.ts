// The registered client Swagger UI's Authorize dialog uses for the authorization code flow.
import type { ClientStore } from "gatehouse-auth-core/clients/client";
import { isAuthError } from "gatehouse-auth-core/errors";
import type { ScopeCatalogue } from "gatehouse-auth-core/scopes";

/** The `client_id` of the docs client. */
export const docsClientId = "gatehouse-docs";

/** Where Swagger UI receives the code: the docs page's own redirect page. */
export function docsRedirectUri(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/docs/oauth2-redirect`;
}

/**
 * Registers the docs client unless a client of that id exists (an operator's changes to it are
 * kept): public (a browser page keeps no secret), first-party (the service's own page: no consent
 * page, and the password flow of the same dialog keeps working), allowed the authorization code,
 * refresh and password grants and every scope of the catalogue — a user still gets only their
 * own. Its one redirect URI is the issuer's `/docs/oauth2-redirect`. Returns whether it was added.
 */
export async function ensureDocsClient(
  clients: ClientStore,
  scopes: ScopeCatalogue,
  issuer: string,
): Promise<boolean> {
  if ((await clients.findClient(docsClientId)) !== undefined) return false;
  try {
    await clients.createClient({
      clientId: docsClientId,
      name: "Gatehouse API docs",
      type: "public",
      secretHash: null,
      grantTypes: ["authorization_code", "refresh_token", "password"],
      scopes: [...scopes.all],
      redirectUris: [docsRedirectUri(issuer)],
      audiences: [],
      firstParty: true,
    });
    return true;
  } catch (error) {
    // Another instance registered it first.
    if (isAuthError(error, "client_id_taken")) return false;
    throw error;
  }
}
