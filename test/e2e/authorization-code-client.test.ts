// An independent OAuth client library (panva's oauth4webapi, the one the example SPA runs in the
// browser) drives the authorization code flow with PKCE against Gatehouse in process: discovery,
// the authorization response's state and iss (RFC 9207), the code grant, refresh and revocation.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import * as oauth from "oauth4webapi";
import type { PageBrowser } from "../fixtures/page-browser.ts";
import { createPageBrowser, hiddenField } from "../fixtures/page-browser.ts";
import type { TestApp } from "../fixtures/test-app.ts";
import { makeTestApp } from "../fixtures/test-app.ts";

const issuer = "http://127.0.0.1:8000";
const redirectUri = "http://127.0.0.1:3000/";
const client = { client_id: "example-spa" } satisfies oauth.Client;

describe("oauth4webapi through the authorization code flow", () => {
  let t: TestApp;
  let as: oauth.AuthorizationServer;
  // Every request of the library goes to the app in process.
  const options = {
    [oauth.allowInsecureRequests]: true,
    [oauth.customFetch]: async (
      url: string,
      init: { method: string; headers: Record<string, string>; body?: unknown },
    ): Promise<Response> =>
      await t.app.request(url, {
        method: init.method,
        headers: init.headers,
        ...(init.body instanceof URLSearchParams ? { body: init.body } : {}),
      }),
  };

  before(async () => {
    t = await makeTestApp({ issuer });
    await t.store.clients.createClient({
      clientId: "example-spa",
      name: "Example SPA",
      type: "public",
      secretHash: null,
      grantTypes: ["authorization_code", "refresh_token"],
      scopes: ["me", "items"],
      redirectUris: [redirectUri],
      audiences: [],
      firstParty: false,
    });
    as = await oauth.processDiscoveryResponse(
      new URL(issuer),
      await oauth.discoveryRequest(new URL(issuer), { algorithm: "oauth2", ...options }),
    );
  });
  after(() => t.close());

  /** Runs the front channel as a browser would, answering the consent page with `decision`. */
  async function frontChannel(
    browser: PageBrowser,
    decision: "approve" | "deny",
  ): Promise<{ callback: URL; state: string; verifier: string }> {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint ?? "");
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope: "me items",
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
    }).toString();
    const returnTo = `${url.pathname}${url.search}`;
    let response = await browser.request(returnTo);
    if (response.status === 302) {
      response = await browser.logIn("johndoe", "secret", returnTo);
      response = await browser.request(response.headers.get("location") ?? "");
    }
    if (response.status === 200) {
      const page = await response.text();
      response = await browser.post("/authorize/consent", {
        csrf_token: hiddenField(page, "csrf_token"),
        request: hiddenField(page, "request"),
        decision,
      });
    }
    return { callback: new URL(response.headers.get("location") ?? ""), state, verifier };
  }

  it("discovers the authorization endpoint, S256 and iss support", () => {
    assert.equal(as.authorization_endpoint, `${issuer}/authorize`);
    assert.deepEqual(as.code_challenge_methods_supported, ["S256"]);
    assert.equal(as.authorization_response_iss_parameter_supported, true);
  });

  it("hears access_denied when the user denies consent", async () => {
    const { callback, state } = await frontChannel(createPageBrowser(t.app, issuer), "deny");

    assert.throws(
      () => oauth.validateAuthResponse(as, client, callback, state),
      (error) => {
        assert.ok(error instanceof oauth.AuthorizationResponseError);
        assert.equal(error.error, "access_denied");
        return true;
      },
    );
  });

  it("exchanges the code, refreshes, and revokes", async () => {
    const { callback, state, verifier } = await frontChannel(
      createPageBrowser(t.app, issuer),
      "approve",
    );

    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        redirectUri,
        verifier,
        options,
      ),
    );
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.None(),
        tokens.refresh_token ?? "",
        options,
      ),
    );
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(
        as,
        client,
        oauth.None(),
        refreshed.refresh_token ?? "",
        options,
      ),
    );
    const afterRevocation = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      refreshed.refresh_token ?? "",
      options,
    );

    assert.equal(tokens.token_type, "bearer");
    assert.equal(tokens.scope, "me items");
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.equal(afterRevocation.status, 400);
    const me = await t.app.request("/users/me/", {
      headers: { authorization: `Bearer ${refreshed.access_token}` },
    });
    assert.equal(me.status, 200);
  });
});
