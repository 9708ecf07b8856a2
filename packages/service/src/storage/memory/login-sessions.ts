// Login sessions in process memory.
import type {
  LoginSessionRecord,
  LoginSessionStore,
} from "gatehouse-auth-core/authorization/login-sessions";
import { AuthError } from "gatehouse-auth-core/errors";

/** The memory {@link LoginSessionStore}, with what the memory store needs to keep it in step. */
export interface MemoryLoginSessions extends LoginSessionStore {
  /** Drops the sessions of a deleted user, as the SQL schemas' ON DELETE CASCADE does. */
  forgetUser(username: string): void;
  clear(): void;
}

/** Creates an empty memory {@link LoginSessionStore}; `userExists` stands in for the foreign key. */
export function createMemoryLoginSessions(
  userExists: (username: string) => boolean,
): MemoryLoginSessions {
  const sessions = new Map<string, LoginSessionRecord>();
  return {
    async createLoginSession(session) {
      if (!userExists(session.username)) {
        throw new AuthError("user_not_found", "no user with this username");
      }
      sessions.set(session.sessionHash, { ...session });
    },
    async findLoginSession(sessionHash) {
      const session = sessions.get(sessionHash);
      return session === undefined ? undefined : { ...session };
    },
    async touchLoginSession(sessionHash, now) {
      const session = sessions.get(sessionHash);
      if (session !== undefined) sessions.set(sessionHash, { ...session, lastSeenAt: now });
    },
    async deleteLoginSession(sessionHash) {
      return sessions.delete(sessionHash);
    },
    async purgeLoginSessions(now) {
      let purged = 0;
      for (const [hash, session] of sessions) {
        if (session.expiresAt <= now && sessions.delete(hash)) purged++;
      }
      return purged;
    },
    forgetUser(username) {
      for (const [hash, session] of sessions) {
        if (session.username === username) sessions.delete(hash);
      }
    },
    clear() {
      sessions.clear();
    },
  };
}
