// GET and POST /login, POST /logout and the pages' stylesheet: the login page the authorization
// code flow (and any other page of the server) sends a visitor without a session to.
import type { AuditDetails, AuditEventType, AuditLog } from "gatehouse-auth-core/audit-log";
import { readAuthorizationRequest } from "gatehouse-auth-core/authorization/authorization-request";
import type { ClientLookup } from "gatehouse-auth-core/clients/client-authentication";
import type { Clock } from "gatehouse-auth-core/clock";
import { isAuthError } from "gatehouse-auth-core/errors";
import type { DeviceKey, DeviceProofs } from "gatehouse-auth-core/grants/device-proof";
import type { LoginThrottle } from "gatehouse-auth-core/grants/throttle";
import type { PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import { isAcceptablePassword } from "gatehouse-auth-core/passwords/hasher";
import type { ScopeCatalogue } from "gatehouse-auth-core/scopes";
import { authenticate } from "gatehouse-auth-core/users/authenticate";
import type { UserStore } from "gatehouse-auth-core/users/user";
import { isValidUsername } from "gatehouse-auth-core/users/user";
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { Metrics } from "../../telemetry/metrics.ts";
import type { OpenApiApp } from "../openapi.ts";
import { clientAddress, requestId } from "../request-envelope.ts";
import { readPagedForm, sendPage } from "./page-response.ts";
import {
  errorPage,
  formTargetOf,
  loginPage,
  signedInPage,
  stylesheet,
  stylesheetPath,
} from "./pages.ts";
import type { LoginSessions } from "./session.ts";
import { cookieSecurityOf, isSameOriginPath, loginPath } from "./session.ts";

/** What the login routes need. */
export interface LoginRouteDeps {
  readonly sessions: LoginSessions;
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  /** The same throttle, with the same counters, as the password grant at `/token`. */
  readonly throttle: LoginThrottle;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly clients: ClientLookup;
  readonly scopes: ScopeCatalogue;
  readonly issuer: string;
  readonly metrics: Metrics;
  /**
   * Device proofs (OWASP device cookies): a browser that signed in to an account before keeps a
   * cookie that has its later logins judged by its own counter, so a lock others caused on the
   * account does not refuse it. Off when absent.
   */
  readonly deviceProofs?: DeviceProofs | undefined;
}

/** How long a device cookie is kept by the browser; the proof inside carries its own expiry. */
const deviceCookieMaxAgeSeconds = 30 * 86_400;

const authorizePrefix = "/authorize?";

/**
 * The client a `return_to` of `/authorize` is for, when its request is valid: its name, shown on
 * the page, and its redirect URI's origin, where the login's redirects may end.
 */
async function clientOf(
  deps: LoginRouteDeps,
  returnTo: string,
): Promise<{ readonly name: string; readonly origin: string } | undefined> {
  if (!returnTo.startsWith(authorizePrefix)) return undefined;
  const query = new URLSearchParams(returnTo.slice(authorizePrefix.length));
  const read = await readAuthorizationRequest(deps, query);
  if (read.kind !== "valid") return undefined;
  return { name: read.request.client.name, origin: formTargetOf(read.request.redirectUri) };
}

/**
 * Refuses the pages on a plain-`http:` issuer that is not a loopback address: their cookies
 * would travel unprotected (docs/security.md). `undefined` when the pages may be served.
 */
export function refusalOnInsecureIssuer(c: Context, issuer: string): Response | undefined {
  if (cookieSecurityOf(issuer) !== "insecure") return undefined;
  return sendPage(
    c,
    errorPage(
      "Sign-in unavailable",
      "This server's sign-in pages need https. Its operator must set GATEHOUSE_ISSUER to its https address.",
    ),
    403,
  );
}

/** Mounts the login page, the logout endpoint and the pages' stylesheet. */
export function mountLoginRoutes(app: OpenApiApp, deps: LoginRouteDeps): void {
  const { sessions } = deps;
  const deviceCookie = `${cookieSecurityOf(deps.issuer) === "secure" ? "__Host-" : ""}gatehouse-device`;

  app.get(stylesheetPath, (c) =>
    c.body(stylesheet, 200, {
      "Content-Type": "text/css; charset=utf-8",
      "Cache-Control": "public, max-age=86400",
    }),
  );

  const showLogin = async (
    c: Context,
    returnTo: string,
    status: 200 | 400 | 403 | 429 | 503 = 200,
    extra: { username?: string; error?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> => {
    const client = await clientOf(deps, returnTo);
    return sendPage(
      c,
      loginPage({
        csrfToken: sessions.issueCsrfToken(c),
        returnTo,
        clientName: client?.name,
        username: extra.username,
        error: extra.error,
      }),
      status,
      {
        // The login's redirects go through /authorize to the client.
        formTargets: client === undefined ? [] : [client.origin],
        ...(extra.headers === undefined ? {} : { headers: extra.headers }),
      },
    );
  };

  app.get(loginPath, async (c) => {
    const refused = refusalOnInsecureIssuer(c, deps.issuer);
    if (refused !== undefined) return refused;
    const asked = c.req.query("return_to");
    const returnTo = asked !== undefined && isSameOriginPath(asked) ? asked : loginPath;
    const session = await sessions.currentSession(c);
    if (session === undefined) return showLogin(c, returnTo);
    if (returnTo !== loginPath) return c.redirect(returnTo, 303);
    return sendPage(c, signedInPage(session.user.username, sessions.issueCsrfToken(c)));
  });

  app.post(loginPath, async (c) => {
    const refused = refusalOnInsecureIssuer(c, deps.issuer);
    if (refused !== undefined) return refused;
    const form = await readPagedForm(c);
    const asked = form?.("return_to");
    const returnTo = asked !== undefined && isSameOriginPath(asked) ? asked : loginPath;
    if (form === undefined || !sessions.checkCsrfToken(c, form("csrf_token"))) {
      return showLogin(c, returnTo, 403, {
        error: "This form expired. Please sign in again.",
      });
    }
    const username = form("username");
    const password = form("password");
    if (username === undefined || password === undefined || !isAcceptablePassword(password)) {
      return showLogin(c, returnTo, 400, {
        ...(username === undefined ? {} : { username }),
        error: "Enter your username and password.",
      });
    }
    const address = clientAddress(c) ?? undefined;
    const now = deps.clock.now();
    let failure: string | undefined;
    let device: DeviceKey | undefined;
    try {
      // The same check as the password grant: the throttle counts the attempt first, and an
      // unknown user costs one hash like a known one. A device cookie proven for this account
      // has the attempt judged by the device's own counter instead of the account's.
      const presented = getCookie(c, deviceCookie);
      device = presented === undefined ? undefined : deps.deviceProofs?.check(presented, username);
      const user = await deps.throttle.attempt(
        username,
        address,
        () => authenticate(deps, username, password),
        device,
      );
      const started = await sessions.start(c, user.username, now);
      // As the password grant does: a cut-off that overtook this login refuses it. The session
      // is stored first and the account read after, so whichever of the two commits second sees
      // the other, whatever the instances' clocks say.
      const current = await deps.users.findByUsername(user.username);
      if (
        current === undefined ||
        current.disabled ||
        current.createdAt !== user.createdAt ||
        current.tokensValidAfter !== user.tokensValidAfter
      ) {
        await started.undo();
        failure = current?.disabled === true ? "inactive_user" : "invalid_credentials";
      }
    } catch (error) {
      if (!isAuthError(error)) throw error;
      failure = error.code;
      if (error.code === "throttled") {
        deps.metrics.countLogin(failure);
        // A flood on a locked account stays cheap: refusals are counted, not audited one by one.
        return showLogin(c, returnTo, 429, {
          username,
          error: "Too many failed attempts. Try again later.",
          headers: { "Retry-After": String(error.retryAfterSeconds ?? 1) },
        });
      }
    }
    deps.metrics.countLogin(failure ?? "succeeded");
    await record(deps, c, failure === undefined ? "login.succeeded" : "login.failed", username, {
      reason: failure ?? null,
      details: { via: "login_page" },
    });
    if (failure === undefined) {
      const proof = deps.deviceProofs?.issue(username, device);
      if (proof !== undefined) {
        setCookie(c, deviceCookie, proof, {
          path: "/",
          httpOnly: true,
          secure: cookieSecurityOf(deps.issuer) === "secure",
          sameSite: "Lax",
          maxAge: deviceCookieMaxAgeSeconds,
        });
      }
      return c.redirect(returnTo, 303);
    }
    if (failure === "hasher_busy") {
      return showLogin(c, returnTo, 503, {
        username,
        error: "Too many sign-ins in progress. Try again in a moment.",
        headers: { "Retry-After": "1" },
      });
    }
    return showLogin(c, returnTo, 400, {
      username,
      // The seed's words: the same for an unknown user and a wrong password.
      error: failure === "inactive_user" ? "Inactive user" : "Incorrect username or password",
    });
  });

  app.post("/logout", async (c) => {
    const form = await readPagedForm(c);
    const asked = form?.("return_to");
    const returnTo = asked !== undefined && isSameOriginPath(asked) ? asked : loginPath;
    if (form === undefined || !sessions.checkCsrfToken(c, form("csrf_token"))) {
      return sendPage(
        c,
        errorPage("Sign-out failed", "This form expired. Reload the page and try again."),
        403,
      );
    }
    const username = await sessions.end(c);
    if (username !== undefined) {
      await record(deps, c, "session.ended", username, { reason: "logout", details: {} });
    }
    return c.redirect(returnTo, 303);
  });
}

/** Records an event of the pages in the audit trail, with the request's address and id. */
export async function record(
  deps: { readonly audit: AuditLog },
  c: Context,
  type: AuditEventType,
  username: string,
  facts: {
    readonly reason: string | null;
    readonly details: AuditDetails;
    readonly subject?: string;
  },
): Promise<void> {
  // A username outside the username rules may be a mistyped password: it is never recorded.
  const who = isValidUsername(username) ? username : null;
  await deps.audit.record({
    type,
    actor: who,
    subject: facts.subject ?? who,
    clientAddress: clientAddress(c),
    requestId: requestId(c),
    reason: facts.reason,
    details: facts.details,
  });
}
