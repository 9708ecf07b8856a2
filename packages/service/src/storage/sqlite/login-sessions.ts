// Login sessions on SQLite, shared by every process on the file.
import type { DatabaseSync } from "node:sqlite";
import type { LoginSessionStore } from "gatehouse-auth-core/authorization/login-sessions";
import { z } from "zod";
import { createLoginSessionReader, loginSessionColumns } from "../rows/login-session-row.ts";
import { unknownUserOnForeignKey } from "./foreign-key.ts";

const readSession = createLoginSessionReader(z.number().int());

/** The {@link LoginSessionStore} part of the SQLite store, on an open, migrated database. */
export function createSqliteLoginSessions(db: DatabaseSync): LoginSessionStore {
  const insert = db.prepare(
    `INSERT INTO login_sessions (${loginSessionColumns}) VALUES (?, ?, ?, ?, ?)`,
  );
  const find = db.prepare(
    `SELECT ${loginSessionColumns} FROM login_sessions WHERE session_hash = ?`,
  );
  const touch = db.prepare("UPDATE login_sessions SET last_seen_at = ? WHERE session_hash = ?");
  const remove = db.prepare("DELETE FROM login_sessions WHERE session_hash = ?");
  const purge = db.prepare("DELETE FROM login_sessions WHERE expires_at <= ?");
  return {
    async createLoginSession(session) {
      unknownUserOnForeignKey(() =>
        insert.run(
          session.sessionHash,
          session.username,
          session.createdAt,
          session.expiresAt,
          session.lastSeenAt,
        ),
      );
    },
    async findLoginSession(sessionHash) {
      const row = find.get(sessionHash);
      return row === undefined ? undefined : readSession(row);
    },
    async touchLoginSession(sessionHash, now) {
      touch.run(now, sessionHash);
    },
    async deleteLoginSession(sessionHash) {
      return Number(remove.run(sessionHash).changes) > 0;
    },
    async purgeLoginSessions(now) {
      return Number(purge.run(now).changes);
    },
  };
}
