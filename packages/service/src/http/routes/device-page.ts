// GET and POST /device: where a signed-in user enters a device's user code and approves or denies
// it (RFC 8628 §3.3). Plain HTML forms: no script, no inline style, usable by keyboard alone.
import type {
  DeviceVerifier,
  DeviceVerifierCaller,
} from "gatehouse-auth-core/device/device-verification";
import { AuthError, isAuthError } from "gatehouse-auth-core/errors";
import { errorAnswerFor } from "gatehouse-auth-core/protocol/error-responses";
import type { ScopeCatalogue } from "gatehouse-auth-core/scopes";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env.ts";
import type { OpenApiApp } from "../openapi.ts";
import { clientAddress, requestId } from "../request-envelope.ts";
import { devicePagePath } from "./device-authorization-route.ts";

/**
 * The signed-in session the page relies on, provided by the login pages: who is signed in, where
 * to send a visitor who is not, and the CSRF token of every form.
 */
export interface DeviceSession {
  /** The signed-in user's username; `undefined` without a live session. */
  currentUsername(c: Context): Promise<string | undefined>;
  /** The login page, which sends the user back to `returnTo` (a path on this service) after. */
  loginUrl(returnTo: string): string;
  /** A CSRF token bound to the session, for a form's hidden `csrf_token` field. */
  issueCsrfToken(c: Context): string | Promise<string>;
  /** Tells whether `token` is the session's CSRF token. */
  checkCsrfToken(c: Context, token: string | undefined): boolean | Promise<boolean>;
}

/** What the page needs. */
export interface DevicePageDeps {
  readonly verifier: DeviceVerifier;
  readonly scopes: ScopeCatalogue;
  readonly session: DeviceSession;
}

/** The longest user code input read; a code is 9 characters, so anything longer is not one. */
const maxInputLength = 64;

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (character) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character] ??
      character,
  );

const page = (title: string, body: string): string =>
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Gatehouse</title>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;

const hidden = (name: string, value: string): string =>
  `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;

function codeForm(csrfToken: string, userCode: string, problem?: string): string {
  const error =
    problem === undefined
      ? ""
      : `<p id="user-code-error" role="alert">${escapeHtml(problem)}</p>\n`;
  const described =
    problem === undefined ? "" : ' aria-describedby="user-code-error" aria-invalid="true"';
  return `${error}<form method="post" action="${devicePagePath}">
${hidden("csrf_token", csrfToken)}
<p><label for="user_code">Enter the code shown on your device</label></p>
<p><input id="user_code" name="user_code" type="text" value="${escapeHtml(userCode)}" required maxlength="${maxInputLength}" autocomplete="off" autocapitalize="characters" spellcheck="false" autofocus${described}></p>
<p><button type="submit">Continue</button></p>
</form>`;
}

/**
 * Mounts `GET /device` (the code form, `?user_code=` prefilled from `verification_uri_complete`)
 * and `POST /device` (look the code up and show the client and scopes; then approve or deny).
 * A visitor without a session is sent to the login page; every POST needs the session's CSRF
 * token. Wrong codes are counted per user and per address by the verifier (RFC 8628 §5.1).
 */
export function mountDevicePage(app: OpenApiApp, deps: DevicePageDeps): void {
  const { session, verifier, scopes } = deps;

  const callerOf = (c: Context<AppEnv>, username: string): DeviceVerifierCaller => ({
    username,
    clientAddress: clientAddress(c),
    requestId: requestId(c),
  });

  const html = (
    c: Context<AppEnv>,
    status: ContentfulStatusCode,
    title: string,
    body: string,
    headers: Record<string, string> = {},
  ): Response => c.html(page(title, body), status, headers);

  /** The code form again, with the error table's status and words for `error`. */
  const refused = async (
    c: Context<AppEnv>,
    error: unknown,
    userCode: string,
  ): Promise<Response> => {
    if (!isAuthError(error)) throw error;
    const answer = errorAnswerFor(error, "resource");
    const retryAfter = answer.headers["Retry-After"];
    const detail = typeof answer.body["detail"] === "string" ? answer.body["detail"] : "Refused";
    return html(
      c,
      answer.status as ContentfulStatusCode,
      "Connect a device",
      codeForm(await session.issueCsrfToken(c), userCode, detail),
      retryAfter === undefined ? {} : { "Retry-After": retryAfter },
    );
  };

  app.get(devicePagePath, async (c) => {
    const userCode = (c.req.query("user_code") ?? "").slice(0, maxInputLength);
    const username = await session.currentUsername(c);
    if (username === undefined) {
      const back =
        userCode === ""
          ? devicePagePath
          : `${devicePagePath}?${new URLSearchParams({ user_code: userCode })}`;
      return c.redirect(session.loginUrl(back), 302);
    }
    return html(c, 200, "Connect a device", codeForm(await session.issueCsrfToken(c), userCode));
  });

  app.post(devicePagePath, async (c) => {
    const username = await session.currentUsername(c);
    // 303: the browser follows with a GET, and the form is not sent again after login.
    if (username === undefined) return c.redirect(session.loginUrl(devicePagePath), 303);
    const contentType = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
    const form =
      contentType === "application/x-www-form-urlencoded"
        ? new URLSearchParams(await c.req.text())
        : new URLSearchParams();
    const userCode = (form.get("user_code") ?? "").slice(0, maxInputLength);
    if (!(await session.checkCsrfToken(c, form.get("csrf_token") ?? undefined))) {
      return refused(
        c,
        new AuthError("csrf_token_invalid", "missing or wrong CSRF token"),
        userCode,
      );
    }
    const decision = form.get("decision");
    const caller = callerOf(c, username);
    try {
      if (decision === "approve" || decision === "deny") {
        const decided = await verifier.decide(userCode, decision === "approve", caller);
        return decided.state === "approved"
          ? html(c, 200, "Device connected", "<p>You can return to your device now.</p>")
          : html(
              c,
              200,
              "Request denied",
              "<p>The device was not given access. You can close this page.</p>",
            );
      }
      const pending = await verifier.lookUp(userCode, caller);
      const listed = pending.scopes
        .map(
          (scope) =>
            `<li><code>${escapeHtml(scope)}</code>: ${escapeHtml(scopes.descriptions[scope] ?? "")}</li>`,
        )
        .join("\n");
      const csrf = await session.issueCsrfToken(c);
      return html(
        c,
        200,
        "Connect a device",
        `<p>Signed in as <strong>${escapeHtml(username)}</strong>.</p>
<p><strong>${escapeHtml(pending.clientName)}</strong> asks to act on your behalf with the code <strong>${escapeHtml(pending.userCode)}</strong>. Check that your device shows this code.</p>
${listed === "" ? "<p>It asks for no scopes.</p>" : `<p>It asks for:</p>\n<ul>\n${listed}\n</ul>`}
<form method="post" action="${devicePagePath}">
${hidden("csrf_token", csrf)}
${hidden("user_code", pending.userCode)}
<p><button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button></p>
</form>`,
      );
    } catch (error) {
      return refused(c, error, userCode);
    }
  });
}
