// An authorization_codes row as both SQL adapters read it.
import type { AuthorizationCodeRecord } from "gatehouse-auth-core/authorization/authorization-codes";
import { z } from "zod";
import { parseRow } from "./parse-row.ts";

/** The columns of a code, in the order the adapters select them. */
export const authorizationCodeColumns =
  "code_hash, client_id, redirect_uri, code_challenge, scopes, username, auth_time, created_at, expires_at, used_at, family_id, access_token_id, access_token_expires_at";

/**
 * Makes the reader of code rows for one driver: `integer` parses its whole numbers and `scopes`
 * its scope column (space-separated on SQLite, TEXT[] on PostgreSQL).
 */
export function createAuthorizationCodeReader(
  integer: z.ZodType<number>,
  scopes: z.ZodType<readonly string[]>,
): (row: unknown) => AuthorizationCodeRecord {
  const schema = z.object({
    code_hash: z.string(),
    client_id: z.string(),
    redirect_uri: z.string(),
    code_challenge: z.string(),
    scopes,
    username: z.string(),
    auth_time: integer,
    created_at: integer,
    expires_at: integer,
    used_at: integer.nullable(),
    family_id: z.string().nullable(),
    access_token_id: z.string().nullable(),
    access_token_expires_at: integer.nullable(),
  });
  return (row) => {
    const r = parseRow(schema, row, "authorization_codes");
    return {
      codeHash: r.code_hash,
      clientId: r.client_id,
      redirectUri: r.redirect_uri,
      codeChallenge: r.code_challenge,
      scopes: r.scopes,
      username: r.username,
      authTime: r.auth_time,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      usedAt: r.used_at,
      issued:
        r.family_id === null || r.access_token_id === null || r.access_token_expires_at === null
          ? null
          : {
              familyId: r.family_id,
              accessTokenId: r.access_token_id,
              accessTokenExpiresAt: r.access_token_expires_at,
            },
    };
  };
}
