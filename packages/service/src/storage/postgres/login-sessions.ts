// Login sessions on PostgreSQL, shared by every instance.
import type { LoginSessionStore } from "gatehouse-auth-core/authorization/login-sessions";
import { createLoginSessionReader, loginSessionColumns } from "../rows/login-session-row.ts";
import { unknownUserOnForeignKey } from "./foreign-key.ts";
import type { Queryable } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

const readSession = createLoginSessionReader(bigintNumber);

/** The {@link LoginSessionStore} part of the PostgreSQL store. */
export function createPostgresLoginSessions(db: Queryable): LoginSessionStore {
  return {
    async createLoginSession(session) {
      await unknownUserOnForeignKey(() =>
        db.run(`INSERT INTO login_sessions (${loginSessionColumns}) VALUES ($1, $2, $3, $4, $5)`, [
          session.sessionHash,
          session.username,
          session.createdAt,
          session.expiresAt,
          session.lastSeenAt,
        ]),
      );
    },
    async findLoginSession(sessionHash) {
      const [row] = await db.rows(
        `SELECT ${loginSessionColumns} FROM login_sessions WHERE session_hash = $1`,
        [sessionHash],
      );
      return row === undefined ? undefined : readSession(row);
    },
    async touchLoginSession(sessionHash, now) {
      await db.run("UPDATE login_sessions SET last_seen_at = $1 WHERE session_hash = $2", [
        now,
        sessionHash,
      ]);
    },
    async deleteLoginSession(sessionHash) {
      return (
        (await db.run("DELETE FROM login_sessions WHERE session_hash = $1", [sessionHash])) > 0
      );
    },
    async purgeLoginSessions(now) {
      return db.run("DELETE FROM login_sessions WHERE expires_at <= $1", [now]);
    },
  };
}
