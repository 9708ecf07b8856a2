// Login sessions of the authorization server's own pages: the opaque id a cookie carries, its
// hash, the port that keeps them, and when a stored session still counts.
import { createHash, randomBytes } from "node:crypto";
import type { Checked } from "../brand.ts";
import type { UserRecord } from "../users/user.ts";

/** A session id as the cookie carries it; made only by {@link generateLoginSessionId}. */
export type LoginSessionId = Checked<string, "LoginSessionId">;

/** A stored session. Times are milliseconds since the epoch. */
export interface LoginSessionRecord {
  /** SHA-256 of the id (see {@link hashLoginSessionId}); the id itself is never stored. */
  readonly sessionHash: string;
  readonly username: string;
  /** When the user logged in: the auth time of every code issued in this session. */
  readonly createdAt: number;
  /** The session ends here, however active it is. */
  readonly expiresAt: number;
  readonly lastSeenAt: number;
}

/**
 * Where login sessions live, shared by every instance, so a logout or a cut-off on one instance
 * ends the session on all. Every adapter passes the login session contract suite.
 */
export interface LoginSessionStore {
  createLoginSession(session: LoginSessionRecord): Promise<void>;
  findLoginSession(sessionHash: string): Promise<LoginSessionRecord | undefined>;
  /** Records that the session was used at `now`; nothing when it is gone. */
  touchLoginSession(sessionHash: string, now: number): Promise<void>;
  /** Ends a session; returns whether there was one. */
  deleteLoginSession(sessionHash: string): Promise<boolean>;
  /** Deletes sessions that ended before `now` and returns how many. */
  purgeLoginSessions(now: number): Promise<number>;
}

const sessionIdPattern = /^[A-Za-z0-9_-]{43}$/;

/** A fresh session id: 256 random bits, base64url (43 characters). */
export function generateLoginSessionId(): LoginSessionId {
  // The one place a LoginSessionId is made.
  return randomBytes(32).toString("base64url") as LoginSessionId;
}

/** Tells whether `value` has the shape of a session id this service issues. */
export function isLoginSessionIdShaped(value: string): boolean {
  return sessionIdPattern.test(value);
}

/** The stored form of a session id: SHA-256, base64url. */
export function hashLoginSessionId(id: string): string {
  return createHash("sha256").update(id, "utf8").digest("base64url");
}

/**
 * Tells whether a stored session still counts for `user` (the account as the store holds it
 * now): not expired, the account exists, is the same account (not one created again under the
 * name), is active, and no cut-off — a password change, a disable, a "log out everywhere" — came
 * after the login. Checked on every use, so a cut-off ends the session on every instance.
 */
export function isLoginSessionLive(
  session: LoginSessionRecord,
  user: UserRecord | undefined,
  now: number,
): user is UserRecord {
  return (
    session.expiresAt > now &&
    user !== undefined &&
    user.username === session.username &&
    !user.disabled &&
    session.createdAt >= user.createdAt &&
    (user.tokensValidAfter === null || session.createdAt >= user.tokensValidAfter)
  );
}
