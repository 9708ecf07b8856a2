// A refresh_tokens row (joined with its family) as both SQL adapters read it.

import type { RefreshTokenRecord } from "gatehouse-auth-core/tokens/refresh-tokens";
import { z } from "zod";
import { parseRow } from "./parse-row.ts";

/**
 * Makes the reader of refresh token rows for one driver: `integer` parses its whole numbers
 * (numbers from node:sqlite, BIGINT strings from pg) and `scopes` its scope column (space-separated
 * text on SQLite, TEXT[] on PostgreSQL). The reader throws a `TypeError` for a malformed row — a
 * foreign writer or a missed migration.
 */
export function createRefreshTokenReader(
  integer: z.ZodType<number>,
  scopes: z.ZodType<readonly string[]>,
): (row: unknown) => RefreshTokenRecord {
  const schema = z.object({
    token_hash: z.string(),
    family_id: z.string(),
    state: z.enum(["active", "rotated", "retried", "discarded"]),
    issued_at: integer,
    expires_at: integer,
    spent_at: integer.nullable(),
    successor_hash: z.string().nullable(),
    username: z.string(),
    scopes,
    family_created_at: integer,
    family_expires_at: integer,
    revoked_at: integer.nullable(),
    client_id: z.string().nullable(),
  });
  return (row) => {
    const r = parseRow(schema, row, "refresh_tokens");
    return {
      tokenHash: r.token_hash,
      familyId: r.family_id,
      username: r.username,
      scopes: r.scopes,
      state: r.state,
      issuedAt: r.issued_at,
      expiresAt: r.expires_at,
      spentAt: r.spent_at,
      successorHash: r.successor_hash,
      familyCreatedAt: r.family_created_at,
      familyExpiresAt: r.family_expires_at,
      familyRevoked: r.revoked_at !== null,
      clientId: r.client_id,
    };
  };
}
