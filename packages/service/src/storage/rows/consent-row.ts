// A consents row as both SQL adapters read it.
import type { Consent } from "gatehouse-auth-core/authorization/consents";
import { z } from "zod";
import { parseRow } from "./parse-row.ts";

/** The columns of a consent, in the order the adapters select them. */
export const consentColumns = "username, client_id, scopes, granted_at";

/**
 * Makes the reader of consent rows for one driver: `integer` parses its whole numbers and
 * `scopes` its scope column (space-separated on SQLite, TEXT[] on PostgreSQL).
 */
export function createConsentReader(
  integer: z.ZodType<number>,
  scopes: z.ZodType<readonly string[]>,
): (row: unknown) => Consent {
  const schema = z.object({
    username: z.string(),
    client_id: z.string(),
    scopes,
    granted_at: integer,
  });
  return (row) => {
    const r = parseRow(schema, row, "consents");
    return {
      username: r.username,
      clientId: r.client_id,
      scopes: r.scopes,
      grantedAt: r.granted_at,
    };
  };
}
