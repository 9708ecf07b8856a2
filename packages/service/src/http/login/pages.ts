// The HTML of the authorization server's pages: plain forms that work without JavaScript, every
// input labelled, no inline script or style (the stylesheet is a file of its own).

/** Where the pages' stylesheet is served. */
export const stylesheetPath = "/login/login.css";

/** The service's name, as the pages show it. */
const serviceName = "Gatehouse";

/** Escapes text for an HTML element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * The pages' Content-Security-Policy: nothing but this origin's stylesheet, and forms that post
 * here. `formTargets` adds the client's redirect URI origin: browsers apply `form-action` to the
 * redirects that follow a form's submission, and the consent form ends at the client.
 */
export function pagePolicy(formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    `form-action ${["'self'", ...formTargets].join(" ")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/**
 * The `form-action` source that lets a form's redirects end at `redirectUri`: its origin, or for
 * a native app's private-use scheme (which has no origin), the scheme.
 */
export function formTargetOf(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.origin === "null" ? url.protocol : url.origin;
}

const layout = (title: string, main: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - ${serviceName}</title>
<link rel="stylesheet" href="${stylesheetPath}">
</head>
<body>
<header><p class="service">${serviceName}</p></header>
<main>
${main}
</main>
</body>
</html>
`;

const hidden = (name: string, value: string): string =>
  `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;

const alert = (message: string | undefined): string =>
  message === undefined ? "" : `<p class="alert" role="alert">${escapeHtml(message)}</p>\n`;

/** What the login page shows. */
export interface LoginPage {
  readonly csrfToken: string;
  readonly returnTo: string;
  /** The client the login is for, when it came from `/authorize`. */
  readonly clientName?: string | undefined;
  readonly username?: string | undefined;
  readonly error?: string | undefined;
}

/** The login form. */
export function loginPage(page: LoginPage): string {
  const purpose =
    page.clientName === undefined
      ? ""
      : `<p>to continue to <strong>${escapeHtml(page.clientName)}</strong></p>\n`;
  return layout(
    "Sign in",
    `<h1>Sign in to ${serviceName}</h1>
${purpose}${alert(page.error)}<form method="post" action="/login">
${hidden("csrf_token", page.csrfToken)}
${hidden("return_to", page.returnTo)}
<p><label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus value="${escapeHtml(page.username ?? "")}"></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

/** The logout form, shown to a logged-in user. */
function logoutForm(csrfToken: string, returnTo: string): string {
  return `<form method="post" action="/logout" class="logout">
${hidden("csrf_token", csrfToken)}
${hidden("return_to", returnTo)}
<button type="submit">Sign out</button>
</form>`;
}

/** The page a logged-in user sees at `/login`. */
export function signedInPage(username: string, csrfToken: string): string {
  return layout(
    "Signed in",
    `<h1>Signed in</h1>
<p>You are signed in to ${serviceName} as <strong>${escapeHtml(username)}</strong>.</p>
${logoutForm(csrfToken, "/login")}`,
  );
}

/** What the consent page shows. */
export interface ConsentPage {
  readonly csrfToken: string;
  readonly username: string;
  readonly clientName: string;
  /** The authorization request's query, posted back with the decision. */
  readonly request: string;
  readonly scopes: readonly { readonly name: string; readonly description: string }[];
  /** Where the logout comes back to. */
  readonly returnTo: string;
}

/** The consent form: the client, the scopes with their catalogue descriptions, approve or deny. */
export function consentPage(page: ConsentPage): string {
  const scopes =
    page.scopes.length === 0
      ? "<p>No scopes: the application only learns your username.</p>"
      : `<ul class="scopes">\n${page.scopes
          .map(
            (scope) =>
              `<li><code>${escapeHtml(scope.name)}</code> ${escapeHtml(scope.description)}</li>`,
          )
          .join("\n")}\n</ul>`;
  return layout(
    "Allow access",
    `<h1>Allow <strong>${escapeHtml(page.clientName)}</strong> to access your account?</h1>
<p>Signed in as <strong>${escapeHtml(page.username)}</strong>. ${escapeHtml(page.clientName)} asks to:</p>
${scopes}
<form method="post" action="/authorize/consent">
${hidden("csrf_token", page.csrfToken)}
${hidden("request", page.request)}
<p class="actions"><button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></p>
</form>
${logoutForm(page.csrfToken, page.returnTo)}`,
  );
}

/** A page for an error the user must see and no client may be told of (no redirect). */
export function errorPage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1>\n${alert(message)}`);
}

/** The pages' stylesheet. */
export const stylesheet = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { max-width: 32rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
.service { font-weight: 600; letter-spacing: 0.05em; }
label { display: block; font-weight: 600; }
input[type="text"], input[type="password"] { width: 100%; box-sizing: border-box; padding: 0.5rem; font: inherit; }
button { padding: 0.5rem 1.25rem; font: inherit; cursor: pointer; }
:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.alert { border-left: 4px solid #c5221f; padding: 0.5rem 0.75rem; background: rgba(197, 34, 31, 0.08); }
.scopes li { margin-bottom: 0.5rem; }
.actions button + button { margin-left: 0.5rem; }
.logout { margin-top: 2rem; }
`;
