// The login session of the authorization server's own pages: its cookie, its server-side record,
// and the CSRF tokens of every form on those pages.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { LoginSessionStore } from "gatehouse-auth-core/authorization/login-sessions";
import {
  generateLoginSessionId,
  hashLoginSessionId,
  isLoginSessionIdShaped,
  isLoginSessionLive,
} from "gatehouse-auth-core/authorization/login-sessions";
import type { Clock } from "gatehouse-auth-core/clock";
import type { UserRecord, UserStore } from "gatehouse-auth-core/users/user";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";

/** What {@link createLoginSessions} needs. */
export interface LoginSessionDeps {
  readonly users: UserStore;
  readonly loginSessions: LoginSessionStore;
  readonly clock: Clock;
  /** The issuer: an `https:` issuer makes every cookie `Secure` and `__Host-` prefixed. */
  readonly issuer: string;
  /** How long a session lasts, however active. */
  readonly lifetimeSeconds: number;
}

/** A session that still counts, with its user as the store holds it now. */
export interface LiveLoginSession {
  readonly user: UserRecord;
  /** When the user logged in: the auth time of the codes issued in this session. */
  readonly createdAt: number;
}

/**
 * The login session helpers every page of the authorization server uses (the login, consent and
 * device pages): who is logged in, where to send a visitor who is not, and the CSRF tokens.
 */
export interface LoginSessions {
  /** The logged-in user of this request's session, or `undefined`. */
  currentUsername(c: Context): Promise<string | undefined>;
  /** This request's session, checked against the store now; `undefined` when there is none. */
  currentSession(c: Context): Promise<LiveLoginSession | undefined>;
  /**
   * The login page, coming back to `returnTo` after the login: a same-origin path only (it must
   * start with one `/`); anything else comes back to the login page itself, never elsewhere.
   */
  loginUrl(returnTo: string): string;
  /** A CSRF token for a form of this page; sets the pre-session cookie it is bound to when missing. */
  issueCsrfToken(c: Context): string;
  /** Tells whether `token` is this browser's CSRF token, in constant time. */
  checkCsrfToken(c: Context, token: string | undefined): boolean;
  /**
   * Starts a session for `username`, logged in at `now`, and sets its cookie; the answer takes it
   * back again (a login refused after the session was stored).
   */
  start(c: Context, username: string, now: number): Promise<{ undo(): Promise<void> }>;
  /** Ends this request's session, if any, and clears its cookie; returns its user. */
  end(c: Context): Promise<string | undefined>;
}

/** Where the login page is served. */
export const loginPath = "/login";

// A session is marked seen at most this often: a page view is not worth a write each time.
const touchIntervalMs = 60_000;

// Ended sessions are purged at most this often per process, on a login, not on every one.
const purgeIntervalMs = 60_000;

/**
 * Tells whether `path` is a path on this origin a login may return to: one leading `/` (not `//`
 * or `/\`, which browsers read as another host), no backslash, no control character.
 */
export function isSameOriginPath(path: string): boolean {
  if (path.length > 4096 || !path.startsWith("/") || path[1] === "/" || path[1] === "\\") {
    return false;
  }
  for (const char of path) {
    const code = char.charCodeAt(0);
    if (char === "\\" || code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

/** Whether the cookies of an issuer are Secure: `https:` issuers, and on `http:` only loopback. */
export function cookieSecurityOf(issuer: string): "secure" | "loopback" | "insecure" {
  const url = new URL(issuer);
  if (url.protocol === "https:") return "secure";
  return ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname) ? "loopback" : "insecure";
}

/**
 * Builds the session helpers. Cookies are `HttpOnly`, `SameSite=Lax`, path `/`; on an `https:`
 * issuer they are `Secure` and named `__Host-…`, which browsers accept only from a secure origin
 * with no `Domain` (RFC 6265bis §4.1.3.2), so no sibling host can plant one. On a plain-`http:`
 * loopback issuer (local development) they are not Secure and drop the prefix, which requires it.
 *
 * CSRF tokens are bound to a pre-session cookie of 256 random bits (so the login form is covered
 * before any session exists): the token is its SHA-256, so the page never shows the cookie's value,
 * and a cross-site page can neither read the token nor set the cookie.
 */
export function createLoginSessions(deps: LoginSessionDeps): LoginSessions {
  const secure = cookieSecurityOf(deps.issuer) === "secure";
  const prefix = secure ? "__Host-" : "";
  const sessionCookie = `${prefix}gatehouse-session`;
  const csrfCookie = `${prefix}gatehouse-csrf`;
  const cookieOptions = { path: "/", httpOnly: true, secure, sameSite: "Lax" } as const;

  let nextPurge = 0;

  const csrfTokenOf = (cookie: string): string =>
    createHash("sha256").update(`gatehouse-csrf:${cookie}`, "utf8").digest("base64url");

  const currentSession = async (c: Context): Promise<LiveLoginSession | undefined> => {
    const id = getCookie(c, sessionCookie);
    if (id === undefined || !isLoginSessionIdShaped(id)) return undefined;
    const sessionHash = hashLoginSessionId(id);
    const session = await deps.loginSessions.findLoginSession(sessionHash);
    if (session === undefined) return undefined;
    const now = deps.clock.now();
    const user = await deps.users.findByUsername(session.username);
    if (!isLoginSessionLive(session, user, now)) {
      await deps.loginSessions.deleteLoginSession(sessionHash);
      return undefined;
    }
    if (now - session.lastSeenAt >= touchIntervalMs) {
      await deps.loginSessions.touchLoginSession(sessionHash, now);
    }
    return { user, createdAt: session.createdAt };
  };

  return {
    currentSession,
    async currentUsername(c) {
      return (await currentSession(c))?.user.username;
    },
    loginUrl(returnTo) {
      const target = isSameOriginPath(returnTo) ? returnTo : loginPath;
      return `${loginPath}?${new URLSearchParams({ return_to: target })}`;
    },
    issueCsrfToken(c) {
      let cookie = getCookie(c, csrfCookie);
      if (cookie === undefined || !isLoginSessionIdShaped(cookie)) {
        cookie = randomBytes(32).toString("base64url");
        setCookie(c, csrfCookie, cookie, cookieOptions);
      }
      return csrfTokenOf(cookie);
    },
    checkCsrfToken(c, token) {
      const cookie = getCookie(c, csrfCookie);
      if (token === undefined || cookie === undefined || !isLoginSessionIdShaped(cookie)) {
        return false;
      }
      const expected = Buffer.from(csrfTokenOf(cookie), "utf8");
      const given = Buffer.from(token, "utf8");
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
    async start(c, username, now) {
      if (now >= nextPurge) {
        nextPurge = now + purgeIntervalMs;
        await deps.loginSessions.purgeLoginSessions(now);
      }
      // A new id at every login: a session id planted before the login is never promoted, and
      // the browser's previous session ends.
      const previous = getCookie(c, sessionCookie);
      if (previous !== undefined && isLoginSessionIdShaped(previous)) {
        await deps.loginSessions.deleteLoginSession(hashLoginSessionId(previous));
      }
      const id = generateLoginSessionId();
      await deps.loginSessions.createLoginSession({
        sessionHash: hashLoginSessionId(id),
        username,
        createdAt: now,
        expiresAt: now + deps.lifetimeSeconds * 1000,
        lastSeenAt: now,
      });
      setCookie(c, sessionCookie, id, { ...cookieOptions, maxAge: deps.lifetimeSeconds });
      return {
        async undo() {
          await deps.loginSessions.deleteLoginSession(hashLoginSessionId(id));
          deleteCookie(c, sessionCookie, cookieOptions);
        },
      };
    },
    async end(c) {
      const id = getCookie(c, sessionCookie);
      deleteCookie(c, sessionCookie, cookieOptions);
      if (id === undefined || !isLoginSessionIdShaped(id)) return undefined;
      const sessionHash = hashLoginSessionId(id);
      const session = await deps.loginSessions.findLoginSession(sessionHash);
      await deps.loginSessions.deleteLoginSession(sessionHash);
      return session?.username;
    },
  };
}
