// A single-page app that signs in with Gatehouse by the authorization code flow with PKCE, using
// panva's oauth4webapi: no secret in the browser, tokens bound to this public client.
//
// config.json (served beside this file) names the issuer and the registered client:
//   { "issuer": "https://auth.example.com", "clientId": "…" }
// The client is public, allowed the authorization_code and refresh_token grants, with this page's
// URL as its redirect URI; Gatehouse lists this page's origin in GATEHOUSE_CORS_ORIGINS.
import * as oauth from "./vendor/oauth4webapi.js";

const config = await (await fetch("config.json")).json();
const issuer = new URL(config.issuer);
const client = { client_id: config.clientId };
const redirectUri = `${location.origin}${location.pathname}`;
// Plain http is for a local issuer only (http://127.0.0.1…); oauth4webapi refuses it otherwise.
const insecure = issuer.protocol === "http:" ? { [oauth.allowInsecureRequests]: true } : {};
const as = await oauth.processDiscoveryResponse(
  issuer,
  await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...insecure }),
);

// The tokens live in this tab's sessionStorage: gone when the tab closes, never in a cookie.
const store = {
  get: (name) => sessionStorage.getItem(name),
  set: (name, value) => sessionStorage.setItem(name, value),
  drop: (...names) => {
    for (const name of names) sessionStorage.removeItem(name);
  },
};

const $ = (id) => document.getElementById(id);
const show = (value) => {
  $("output").textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2);
};
const render = () => {
  const signedIn = store.get("access_token") !== null;
  $("status").textContent = signedIn
    ? `Signed in (scope: ${store.get("scope")})`
    : "Not signed in.";
  $("login").disabled = signedIn;
  for (const id of ["me", "refresh", "logout"]) $(id).disabled = !signedIn;
};
const keep = (result) => {
  store.set("access_token", result.access_token);
  store.set("refresh_token", result.refresh_token);
  store.set("scope", result.scope ?? "");
};

async function signIn() {
  // RFC 7636: a fresh verifier per attempt; only its S256 challenge leaves the browser.
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  store.set("pkce_verifier", verifier);
  store.set("oauth_state", state);
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: redirectUri,
    scope: "me items",
    state,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.href);
}

async function finishSignIn() {
  // Checks state and, since the metadata says so, iss (RFC 9207) before using the code.
  const params = oauth.validateAuthResponse(
    as,
    client,
    new URL(location.href),
    store.get("oauth_state"),
  );
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    redirectUri,
    store.get("pkce_verifier"),
    insecure,
  );
  keep(await oauth.processAuthorizationCodeResponse(as, client, response));
  store.drop("pkce_verifier", "oauth_state");
  history.replaceState(null, "", redirectUri);
}

async function showMe() {
  const response = await fetch(new URL("/users/me/", issuer), {
    headers: { authorization: `Bearer ${store.get("access_token")}` },
  });
  show({ status: response.status, body: await response.json() });
}

async function refresh() {
  const response = await oauth.refreshTokenGrantRequest(
    as,
    client,
    oauth.None(),
    store.get("refresh_token"),
    insecure,
  );
  keep(await oauth.processRefreshTokenResponse(as, client, response));
  show("Tokens refreshed.");
}

async function signOut() {
  // Revoking the refresh token ends this app's login family (RFC 7009); the access token
  // expires on its own. Gatehouse's own sign-in stays until signed out on its page.
  const response = await oauth.revocationRequest(
    as,
    client,
    oauth.None(),
    store.get("refresh_token"),
    insecure,
  );
  await oauth.processRevocationResponse(response);
  store.drop("access_token", "refresh_token", "scope");
  show("Signed out.");
}

const guarded = (work) => () =>
  work()
    // An error answer of the server names its OAuth error code (e.g. access_denied).
    .catch((error) => show(`Error: ${error.error ?? error.message}`))
    .finally(render);

$("login").addEventListener("click", guarded(signIn));
$("me").addEventListener("click", guarded(showMe));
$("refresh").addEventListener("click", guarded(refresh));
$("logout").addEventListener("click", guarded(signOut));

const callback = new URLSearchParams(location.search);
if (callback.has("code") || callback.has("error")) {
  await guarded(finishSignIn)();
} else {
  render();
}
