// GET /authorize and POST /authorize/consent: the authorization endpoint of the code flow
// (RFC 6749 §4.1, OAuth 2.1, RFC 9700 §2.1) with its consent page.
import type { AuditLog } from "gatehouse-auth-core/audit-log";
import type { AuthorizationCodeStore } from "gatehouse-auth-core/authorization/authorization-codes";
import {
  authorizationCodeLifetimeSeconds,
  generateAuthorizationCode,
  hashAuthorizationCode,
} from "gatehouse-auth-core/authorization/authorization-codes";
import type {
  AuthorizationPageError,
  AuthorizationRequest,
  AuthorizationRequestResult,
} from "gatehouse-auth-core/authorization/authorization-request";
import {
  authorizationResponseUri,
  readAuthorizationRequest,
} from "gatehouse-auth-core/authorization/authorization-request";
import type { ConsentStore } from "gatehouse-auth-core/authorization/consents";
import { consentCovers } from "gatehouse-auth-core/authorization/consents";
import type { ClientLookup } from "gatehouse-auth-core/clients/client-authentication";
import type { Clock } from "gatehouse-auth-core/clock";
import type { Scope, ScopeCatalogue } from "gatehouse-auth-core/scopes";
import { intersectScopes } from "gatehouse-auth-core/scopes";
import type { Context } from "hono";
import type { OpenApiApp } from "../openapi.ts";
import { record, refusalOnInsecureIssuer } from "./login-routes.ts";
import { readPagedForm, sendPage } from "./page-response.ts";
import { consentPage, errorPage, formTargetOf } from "./pages.ts";
import type { LiveLoginSession, LoginSessions } from "./session.ts";

/** What the authorization endpoint needs. */
export interface AuthorizeRouteDeps {
  readonly sessions: LoginSessions;
  readonly clients: ClientLookup;
  readonly scopes: ScopeCatalogue;
  readonly consents: ConsentStore;
  readonly authorizationCodes: AuthorizationCodeStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  /** Written as `iss` in every authorization response (RFC 9207). */
  readonly issuer: string;
}

/** Where the authorization endpoint is served. */
export const authorizePath = "/authorize";

const pageErrors = {
  invalid_client: "The application that sent you here is not registered, or is disabled.",
  missing_redirect_uri: "The application did not say where to send you back (redirect_uri).",
  invalid_redirect_uri:
    "The application asked to send you back to an address it has not registered.",
  duplicate_parameter: "The request names its application or return address more than once.",
} as const satisfies Record<AuthorizationPageError, string>;

// Expired codes are purged at most this often, not on every authorization.
const codePurgeIntervalMs = 60_000;

/**
 * Mounts `GET /authorize` and `POST /authorize/consent`. A valid request from a logged-in user
 * ends at the client's redirect URI with a code, `state` and `iss`; without a session it goes to
 * the login page first, and without consent (unless the client is first-party) to the consent
 * page. An unknown client or a redirect URI it has not registered is an error page, never a
 * redirect; every other error goes to the redirect URI (RFC 6749 §4.1.2.1).
 *
 * The granted scopes are the requested ones (all the client's when none are asked) ∩ the
 * client's allowed ∩ the user's own.
 */
export function mountAuthorizeRoutes(app: OpenApiApp, deps: AuthorizeRouteDeps): void {
  const { sessions } = deps;
  let nextPurge = 0;

  const redirectTo = (
    c: Context,
    redirectUri: string,
    parameters: Readonly<Record<string, string | undefined>>,
    status: 302 | 303,
  ): Response => {
    // RFC 9207: `iss` in every authorization response, success or error.
    return c.redirect(authorizationResponseUri(redirectUri, parameters, deps.issuer), status);
  };

  /** The answer for a request that did not pass. */
  const answerInvalid = (
    c: Context,
    read: Exclude<AuthorizationRequestResult, { kind: "valid" }>,
    status: 302 | 303,
  ): Response => {
    switch (read.kind) {
      case "page_error":
        return sendPage(c, errorPage("Authorization error", pageErrors[read.error]), 400);
      case "redirect_error":
        return redirectTo(
          c,
          read.redirectUri,
          { error: read.error, error_description: read.description, state: read.state },
          status,
        );
      default: {
        const unreachable: never = read;
        throw new TypeError(`unhandled authorization request ${String(unreachable)}`);
      }
    }
  };

  const grantedScopes = (request: AuthorizationRequest, session: LiveLoginSession): Scope[] =>
    intersectScopes(request.scopes, session.user.scopes);

  const issueCode = async (
    c: Context,
    request: AuthorizationRequest,
    session: LiveLoginSession,
    scopes: readonly Scope[],
    status: 302 | 303,
  ): Promise<Response> => {
    const now = deps.clock.now();
    if (now >= nextPurge) {
      nextPurge = now + codePurgeIntervalMs;
      await deps.authorizationCodes.purgeAuthorizationCodes(now);
    }
    const code = generateAuthorizationCode();
    await deps.authorizationCodes.createAuthorizationCode({
      codeHash: hashAuthorizationCode(code),
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scopes,
      username: session.user.username,
      authTime: session.createdAt,
      createdAt: now,
      expiresAt: now + authorizationCodeLifetimeSeconds * 1000,
    });
    await record(deps, c, "code.issued", session.user.username, {
      reason: null,
      details: { clientId: request.client.clientId, scope: scopes.join(" ") },
    });
    return redirectTo(c, request.redirectUri, { code, state: request.state }, status);
  };

  app.get(authorizePath, async (c) => {
    const refused = refusalOnInsecureIssuer(c, deps.issuer);
    if (refused !== undefined) return refused;
    const url = new URL(c.req.url);
    const read = await readAuthorizationRequest(deps, url.searchParams);
    if (read.kind !== "valid") return answerInvalid(c, read, 302);
    const { request } = read;
    const session = await sessions.currentSession(c);
    if (session === undefined) {
      return c.redirect(sessions.loginUrl(`${authorizePath}${url.search}`), 302);
    }
    const scopes = grantedScopes(request, session);
    const consent = request.client.firstParty
      ? undefined
      : await deps.consents.findConsent(session.user.username, request.client.clientId);
    if (request.client.firstParty || consentCovers(consent, scopes, session.user.createdAt)) {
      return issueCode(c, request, session, scopes, 302);
    }
    return sendPage(
      c,
      consentPage({
        csrfToken: sessions.issueCsrfToken(c),
        username: session.user.username,
        clientName: request.client.name,
        request: url.search.slice(1),
        scopes: scopes.map((name) => ({ name, description: deps.scopes.descriptions[name] ?? "" })),
        returnTo: `${authorizePath}${url.search}`,
      }),
      200,
      { formTargets: [formTargetOf(request.redirectUri)] },
    );
  });

  app.post(`${authorizePath}/consent`, async (c) => {
    const refused = refusalOnInsecureIssuer(c, deps.issuer);
    if (refused !== undefined) return refused;
    const form = await readPagedForm(c);
    // A forged or stale form is told to the user only: redirecting it would hand an attacker a
    // way to drive the client.
    if (form === undefined || !sessions.checkCsrfToken(c, form("csrf_token"))) {
      return sendPage(
        c,
        errorPage(
          "Authorization error",
          "This form expired. Go back to the application and start again.",
        ),
        403,
      );
    }
    const query = form("request") ?? "";
    const read = await readAuthorizationRequest(deps, new URLSearchParams(query));
    if (read.kind !== "valid") return answerInvalid(c, read, 303);
    const { request } = read;
    const session = await sessions.currentSession(c);
    if (session === undefined) {
      return c.redirect(sessions.loginUrl(`${authorizePath}?${query}`), 303);
    }
    const decision = form("decision");
    const username = session.user.username;
    const clientId = request.client.clientId;
    if (decision !== "approve") {
      await record(deps, c, "consent.denied", username, { reason: null, details: { clientId } });
      return redirectTo(
        c,
        request.redirectUri,
        {
          error: "access_denied",
          error_description: "the user denied the request",
          state: request.state,
        },
        303,
      );
    }
    const scopes = grantedScopes(request, session);
    const earlier = await deps.consents.findConsent(username, clientId);
    // Remembered for the scopes approved now and before (by this account, not a deleted namesake).
    const kept =
      earlier !== undefined && earlier.grantedAt >= session.user.createdAt ? earlier.scopes : [];
    const approved = [...new Set([...kept, ...scopes])];
    await deps.consents.saveConsent({
      username,
      clientId,
      scopes: approved,
      grantedAt: deps.clock.now(),
    });
    await record(deps, c, "consent.granted", username, {
      reason: null,
      details: { clientId, scope: approved.join(" ") },
    });
    return issueCode(c, request, session, scopes, 303);
  });
}
