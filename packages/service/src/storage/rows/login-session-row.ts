// A login_sessions row as both SQL adapters read it.
import type { LoginSessionRecord } from "gatehouse-auth-core/authorization/login-sessions";
import { z } from "zod";
import { parseRow } from "./parse-row.ts";

/** The columns of a login session, in the order the adapters select them. */
export const loginSessionColumns = "session_hash, username, created_at, expires_at, last_seen_at";

/** Makes the reader of login session rows for a driver whose whole numbers `integer` parses. */
export function createLoginSessionReader(
  integer: z.ZodType<number>,
): (row: unknown) => LoginSessionRecord {
  const schema = z.object({
    session_hash: z.string(),
    username: z.string(),
    created_at: integer,
    expires_at: integer,
    last_seen_at: integer,
  });
  return (row) => {
    const r = parseRow(schema, row, "login_sessions");
    return {
      sessionHash: r.session_hash,
      username: r.username,
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      lastSeenAt: r.last_seen_at,
    };
  };
}
