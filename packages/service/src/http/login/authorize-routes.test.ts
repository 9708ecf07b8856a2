// The authorization code flow over HTTP, in process: /authorize, the login and consent pages,
// and the code grant at /token — each rule with the test that fails without it.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { hashClientSecret } from "gatehouse-auth-core/clients/client-secrets";
import type { PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import { disableUser, logoutEverywhere } from "gatehouse-auth-core/users/user-lifecycle";
import { createFastHasher } from "../../../../../test/fixtures/fast-hasher.ts";
import type { PageBrowser } from "../../../../../test/fixtures/page-browser.ts";
import {
  createPageBrowser,
  hiddenField,
  pkcePair,
} from "../../../../../test/fixtures/page-browser.ts";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import { createSqliteStore } from "../../storage/sqlite/store.ts";

const issuer = "http://127.0.0.1:8000";
const redirectUri = "https://spa.example/callback";

interface Flow {
  readonly verifier: string;
  readonly challenge: string;
  readonly query: URLSearchParams;
}

function flow(overrides: Record<string, string | undefined> = {}): Flow {
  const { verifier, challenge } = pkcePair();
  const query = new URLSearchParams();
  const fields: Record<string, string | undefined> = {
    response_type: "code",
    client_id: "spa",
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    scope: "me items",
    state: "xyz-state",
    ...overrides,
  };
  for (const [name, value] of Object.entries(fields))
    if (value !== undefined) query.set(name, value);
  return { verifier, challenge, query };
}

/** The parameters of a redirect to the client. */
function redirectParams(response: Response): URLSearchParams {
  const location = response.headers.get("location");
  assert.ok(location !== null, `expected a redirect, got ${response.status}`);
  return new URL(location).searchParams;
}

describe("the authorization code flow", () => {
  let t: TestApp;
  let browser: PageBrowser;

  beforeEach(async () => {
    t = await makeTestApp({ issuer });
    await t.store.clients.createClient({
      clientId: "spa",
      name: "Example SPA",
      type: "public",
      secretHash: null,
      grantTypes: ["authorization_code", "refresh_token"],
      scopes: ["me", "items"],
      redirectUris: [redirectUri, "http://127.0.0.1/native-callback", "com.example.app:/oauth"],
      audiences: [],
      firstParty: false,
    });
    await t.store.clients.createClient({
      clientId: "first",
      name: "First-party app",
      type: "public",
      secretHash: null,
      grantTypes: ["authorization_code"],
      scopes: ["me"],
      redirectUris: ["https://first.example/cb"],
      audiences: [],
      firstParty: true,
    });
    await t.store.clients.createClient({
      clientId: "server",
      name: "Server app",
      type: "confidential",
      secretHash: hashClientSecret("server-secret-of-enough-length"),
      grantTypes: ["authorization_code"],
      scopes: ["me"],
      redirectUris: ["https://server.example/cb"],
      audiences: [],
      firstParty: true,
    });
    await t.store.clients.createClient({
      clientId: "pw-only",
      name: "Password-only app",
      type: "public",
      secretHash: null,
      grantTypes: ["password"],
      scopes: ["me"],
      redirectUris: ["https://pw.example/cb"],
      audiences: [],
      firstParty: true,
    });
    browser = createPageBrowser(t.app, issuer);
  });

  afterEach(async () => {
    await t.close();
  });

  /** Logs johndoe in, approves consent when asked, and returns the code's redirect. */
  async function authorize(f: Flow, b: PageBrowser = browser): Promise<URLSearchParams> {
    let response = await b.request(`/authorize?${f.query}`);
    if (response.headers.get("location")?.startsWith("/login") === true) {
      response = await b.logIn("johndoe", "secret", `/authorize?${f.query}`);
      assert.equal(response.status, 303);
      response = await b.request(response.headers.get("location") ?? "");
    }
    if (response.status === 200) {
      const page = await response.text();
      response = await b.post("/authorize/consent", {
        csrf_token: hiddenField(page, "csrf_token"),
        request: hiddenField(page, "request"),
        decision: "approve",
      });
    }
    return redirectParams(response);
  }

  async function redeem(
    code: string,
    verifier: string,
    extra: Record<string, string> = {},
  ): Promise<Response> {
    return await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        code_verifier: verifier,
        redirect_uri: redirectUri,
        client_id: "spa",
        ...extra,
      }),
    });
  }

  const me = (token: string) =>
    t.app.request("/users/me/", { headers: { authorization: `Bearer ${token}` } });

  it("sends a visitor without a session to the login page, coming back to the request", async () => {
    const f = flow();

    const response = await browser.request(`/authorize?${f.query}`);

    assert.equal(response.status, 302);
    const location = new URL(response.headers.get("location") ?? "", issuer);
    assert.equal(location.pathname, "/login");
    assert.equal(location.searchParams.get("return_to"), `/authorize?${f.query}`);
  });

  it("logs in, asks consent, and redirects with a code, the state and iss", async () => {
    const f = flow();

    const params = await authorize(f);

    assert.match(params.get("code") ?? "", /^[A-Za-z0-9_-]{43}$/);
    assert.equal(params.get("state"), "xyz-state");
    assert.equal(params.get("iss"), issuer);
  });

  it("shows the client's name, the requested scopes' descriptions and labelled inputs", async () => {
    const f = flow();
    await browser.logIn("johndoe", "secret");

    const page = await (await browser.request(`/authorize?${f.query}`)).text();

    assert.match(page, /Example SPA/);
    assert.match(page, /Read information about the current user\./);
    assert.match(page, /Read items\./);
    assert.doesNotMatch(page, /<script|style=/);
  });

  it("shows the service's and client's names on the login page, with labels for every input", async () => {
    const f = flow();

    const response = await browser.request(
      `/login?return_to=${encodeURIComponent(`/authorize?${f.query}`)}`,
    );
    const page = await response.text();

    assert.match(page, /Sign in to Gatehouse/);
    assert.match(page, /Example SPA/);
    assert.match(page, /<label for="username">/);
    assert.match(page, /<label for="password">/);
    assert.match(
      response.headers.get("content-security-policy") ?? "",
      /form-action 'self' https:\/\/spa\.example/,
    );
  });

  it("exchanges a code and its verifier for tokens bound to the client, then refreshes", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";

    const response = await redeem(code, f.verifier);

    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, string>;
    assert.equal(body["scope"], "me items");
    assert.equal((await me(body["access_token"] ?? "")).status, 200);
    const refreshed = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: body["refresh_token"] ?? "",
        client_id: "spa",
      }),
    });
    assert.equal(refreshed.status, 200);
  });

  it("refuses to refresh a code's refresh token without its client", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";
    const body = (await (await redeem(code, f.verifier)).json()) as Record<string, string>;

    const refreshed = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: body["refresh_token"] ?? "",
      }),
    });

    assert.equal(refreshed.status, 400);
    assert.equal(((await refreshed.json()) as { error: string }).error, "invalid_grant");
  });

  it("refuses a reused code and revokes the tokens its first use issued", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";
    const first = (await (await redeem(code, f.verifier)).json()) as Record<string, string>;

    const second = await redeem(code, f.verifier);

    assert.equal(second.status, 400);
    assert.deepEqual(await second.json(), {
      error: "invalid_grant",
      error_description: "Invalid authorization code",
      detail: "Invalid authorization code",
    });
    assert.equal((await me(first["access_token"] ?? "")).status, 401);
    const refreshed = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: first["refresh_token"] ?? "",
        client_id: "spa",
      }),
    });
    assert.equal(refreshed.status, 400);
    const events = await t.store.audit.list({ type: "code.reuse_detected", limit: 10 });
    assert.equal(events.events.length, 1);
  });

  it("lets at most one of two simultaneous redemptions through, and revokes it, in 60 trials", async () => {
    await authorize(flow());
    for (let trial = 0; trial < 60; trial++) {
      const f = flow();
      const code = (await authorize(f)).get("code") ?? "";

      const answers = await Promise.all([redeem(code, f.verifier), redeem(code, f.verifier)]);

      const ok = answers.filter((answer) => answer.status === 200);
      assert.ok(ok.length <= 1, `trial ${trial}: ${ok.length} redemptions succeeded`);
      for (const answer of ok) {
        const body = (await answer.json()) as Record<string, string>;
        assert.equal((await me(body["access_token"] ?? "")).status, 401, `trial ${trial}`);
      }
    }
  });

  it("refuses a wrong code verifier", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";

    const response = await redeem(code, pkcePair().verifier);

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, "invalid_grant");
  });

  it("refuses a redemption without a code verifier", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";

    const response = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: redirectUri,
        client_id: "spa",
      }),
    });

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, "invalid_grant");
  });

  it("refuses a code presented with another redirect URI", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";

    const response = await redeem(code, f.verifier, { redirect_uri: "https://spa.example/other" });

    assert.equal(response.status, 400);
  });

  it("refuses an expired code", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";
    t.clock.advance(60_000);

    const response = await redeem(code, f.verifier);

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, "invalid_grant");
  });

  it("refuses a code presented by another client", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";
    await t.store.clients.updateClient("first", { grantTypes: ["authorization_code"] });

    const response = await redeem(code, f.verifier, { client_id: "first" });

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, "invalid_grant");
    assert.equal((await redeem(code, f.verifier)).status, 200);
  });

  it("refuses a redemption that names no client", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";

    const response = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        code_verifier: f.verifier,
        redirect_uri: redirectUri,
      }),
    });

    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, "invalid_client");
  });

  it("issues a confidential client's tokens only with its secret", async () => {
    const f = flow({ client_id: "server", redirect_uri: "https://server.example/cb", scope: "me" });
    const code = (await authorize(f)).get("code") ?? "";
    const form = {
      grant_type: "authorization_code",
      code,
      code_verifier: f.verifier,
      redirect_uri: "https://server.example/cb",
      client_id: "server",
    };

    const without = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams(form),
    });
    const withSecret = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ ...form, client_secret: "server-secret-of-enough-length" }),
    });

    assert.equal(without.status, 401);
    assert.equal(withSecret.status, 200);
  });

  it("refuses a request without a PKCE challenge, back at the redirect URI", async () => {
    const response = await browser.request(
      `/authorize?${flow({ code_challenge: undefined }).query}`,
    );

    const params = redirectParams(response);
    assert.equal(params.get("error"), "invalid_request");
    assert.equal(params.get("state"), "xyz-state");
    assert.equal(params.get("iss"), issuer);
  });

  it("refuses the plain PKCE method and a missing method", async () => {
    for (const method of ["plain", undefined]) {
      const response = await browser.request(
        `/authorize?${flow({ code_challenge_method: method }).query}`,
      );

      assert.equal(redirectParams(response).get("error"), "invalid_request", String(method));
    }
  });

  it("refuses a response type other than code", async () => {
    const response = await browser.request(`/authorize?${flow({ response_type: "token" }).query}`);

    assert.equal(redirectParams(response).get("error"), "unsupported_response_type");
  });

  it("refuses a client not allowed the authorization code grant", async () => {
    const response = await browser.request(
      `/authorize?${flow({ client_id: "pw-only", redirect_uri: "https://pw.example/cb" }).query}`,
    );

    assert.equal(redirectParams(response).get("error"), "unauthorized_client");
  });

  it("refuses an unknown scope at the redirect URI", async () => {
    const response = await browser.request(`/authorize?${flow({ scope: "me nope" }).query}`);

    assert.equal(redirectParams(response).get("error"), "invalid_scope");
  });

  it("shows an error page, never a redirect, for an unknown client", async () => {
    const response = await browser.request(`/authorize?${flow({ client_id: "nobody" }).query}`);

    assert.equal(response.status, 400);
    assert.equal(response.headers.get("location"), null);
    assert.match(await response.text(), /not registered/);
  });

  it("shows an error page, never a redirect, for a redirect URI the client did not register", async () => {
    for (const uri of [
      "https://evil.example/callback",
      "https://spa.example/callback/",
      "https://spa.example/callback?x=1",
      "https://SPA.example/callback",
      undefined,
    ]) {
      const response = await browser.request(`/authorize?${flow({ redirect_uri: uri }).query}`);

      assert.equal(response.status, 400, String(uri));
      assert.equal(response.headers.get("location"), null, String(uri));
    }
  });

  it("accepts any port on a registered loopback redirect URI, and nothing else different", async () => {
    const ok = flow({ redirect_uri: "http://127.0.0.1:51234/native-callback" });
    const wrongPath = flow({ redirect_uri: "http://127.0.0.1:51234/other" });
    await browser.logIn("johndoe", "secret");

    const accepted = await browser.request(`/authorize?${ok.query}`);
    const refused = await browser.request(`/authorize?${wrongPath.query}`);

    assert.equal(accepted.status, 200);
    assert.equal(refused.status, 400);
  });

  it("lets the consent form's redirect reach the client's origin, or a native app's scheme", async () => {
    await browser.logIn("johndoe", "secret");

    const web = await browser.request(`/authorize?${flow().query}`);
    const native = await browser.request(
      `/authorize?${flow({ redirect_uri: "com.example.app:/oauth" }).query}`,
    );

    assert.match(
      web.headers.get("content-security-policy") ?? "",
      /form-action 'self' https:\/\/spa\.example;/,
    );
    assert.match(
      native.headers.get("content-security-policy") ?? "",
      /form-action 'self' com\.example\.app:;/,
    );
  });

  it("sends access_denied to the client when the user denies consent", async () => {
    const f = flow();
    await browser.logIn("johndoe", "secret");
    const page = await (await browser.request(`/authorize?${f.query}`)).text();

    const response = await browser.post("/authorize/consent", {
      csrf_token: hiddenField(page, "csrf_token"),
      request: hiddenField(page, "request"),
      decision: "deny",
    });

    assert.equal(response.status, 303);
    const params = redirectParams(response);
    assert.equal(params.get("error"), "access_denied");
    assert.equal(params.get("state"), "xyz-state");
    assert.equal(params.get("iss"), issuer);
    assert.equal(params.get("code"), null);
  });

  it("remembers a consent, so the next authorization skips the page", async () => {
    await authorize(flow());

    const response = await browser.request(`/authorize?${flow().query}`);

    assert.equal(response.status, 302);
    assert.ok(redirectParams(response).get("code"));
  });

  it("skips consent for a first-party client", async () => {
    await browser.logIn("johndoe", "secret");

    const response = await browser.request(
      `/authorize?${flow({ client_id: "first", redirect_uri: "https://first.example/cb", scope: "me" }).query}`,
    );

    assert.equal(response.status, 302);
    assert.ok(redirectParams(response).get("code"));
  });

  it("refuses a consent form without its CSRF token, or with a wrong one, without redirecting", async () => {
    const f = flow();
    await browser.logIn("johndoe", "secret");
    const page = await (await browser.request(`/authorize?${f.query}`)).text();

    for (const csrf of [undefined, "wrong-token"]) {
      const response = await browser.post("/authorize/consent", {
        ...(csrf === undefined ? {} : { csrf_token: csrf }),
        request: hiddenField(page, "request"),
        decision: "approve",
      });

      assert.equal(response.status, 403, String(csrf));
      assert.equal(response.headers.get("location"), null);
    }
    assert.deepEqual(await t.store.consents.listConsents("johndoe"), []);
  });

  it("refuses a consent form posted from another browser (its CSRF cookie differs)", async () => {
    const f = flow();
    await browser.logIn("johndoe", "secret");
    const page = await (await browser.request(`/authorize?${f.query}`)).text();
    const attacker = createPageBrowser(t.app, issuer);
    await attacker.request("/login");

    const response = await attacker.post("/authorize/consent", {
      csrf_token: hiddenField(page, "csrf_token"),
      request: hiddenField(page, "request"),
      decision: "approve",
    });

    assert.equal(response.status, 403);
  });

  it("refuses a login form without its CSRF token, or with a wrong one", async () => {
    await browser.request("/login");

    for (const csrf of [undefined, "wrong-token"]) {
      const response = await browser.post("/login", {
        ...(csrf === undefined ? {} : { csrf_token: csrf }),
        username: "johndoe",
        password: "secret",
      });

      assert.equal(response.status, 403, String(csrf));
      assert.equal(browser.cookie("gatehouse-session"), undefined);
    }
  });

  it("answers a wrong password and an unknown user alike on the login page", async () => {
    const wrong = await browser.logIn("johndoe", "wrong");
    const unknown = await browser.logIn("nobody", "wrong");

    assert.equal(wrong.status, 400);
    assert.equal(unknown.status, 400);
    assert.match(await wrong.text(), /Incorrect username or password/);
    assert.match(await unknown.text(), /Incorrect username or password/);
  });

  it("refuses an inactive user on the login page", async () => {
    const response = await browser.logIn("alice", "secret2");

    assert.equal(response.status, 400);
    assert.match(await response.text(), /Inactive user/);
    assert.equal(browser.cookie("gatehouse-session"), undefined);
  });

  it("counts login page failures on the same throttle as /token", async () => {
    for (let i = 0; i < 5; i++) {
      await t.app.request("/token", {
        method: "POST",
        body: new URLSearchParams({ username: "johndoe", password: "wrong" }),
      });
    }

    const response = await browser.logIn("johndoe", "secret");

    assert.equal(response.status, 429);
    assert.ok(response.headers.get("retry-after"));
  });

  it("ends the session of a user disabled after logging in", async () => {
    await browser.logIn("johndoe", "secret");
    await disableUser(
      { users: t.store.users, refreshTokens: t.store.refreshTokens, clock: t.clock },
      "johndoe",
    );

    const response = await browser.request(`/authorize?${flow().query}`);

    assert.equal(response.status, 302);
    assert.match(response.headers.get("location") ?? "", /^\/login/);
  });

  it("refuses a login that a log out everywhere overtook while its password was checked", async () => {
    const inner = createFastHasher();
    let duringVerify: (() => Promise<void>) | undefined;
    const hasher: PasswordHasher = {
      hash: (password) => inner.hash(password),
      dummyHash: () => inner.dummyHash(),
      close: () => inner.close(),
      async verify(hash, password) {
        const check = await inner.verify(hash, password);
        await duringVerify?.();
        return check;
      },
    };
    const raced = await makeTestApp({ issuer, hasher });
    try {
      duringVerify = async () => {
        duringVerify = undefined;
        raced.clock.advance(1);
        const lifecycle = {
          users: raced.store.users,
          refreshTokens: raced.store.refreshTokens,
          clock: raced.clock,
        };
        await logoutEverywhere(lifecycle, "johndoe");
      };
      const racedBrowser = createPageBrowser(raced.app, issuer);

      const response = await racedBrowser.logIn("johndoe", "secret");

      assert.equal(response.status, 400);
      assert.equal(racedBrowser.cookie("gatehouse-session"), undefined);
      assert.equal(await raced.store.loginSessions.purgeLoginSessions(Number.MAX_SAFE_INTEGER), 0);
    } finally {
      await raced.close();
    }
  });

  it("ends the session on log out everywhere", async () => {
    await browser.logIn("johndoe", "secret");
    const token = await t.login("johndoe", "secret");
    t.clock.advance(1);
    await t.app.request("/users/me/logout-all", {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });

    const response = await browser.request(`/authorize?${flow().query}`);

    assert.match(response.headers.get("location") ?? "", /^\/login/);
  });

  it("starts a new session at every login and ends the one before", async () => {
    await browser.logIn("johndoe", "secret");
    const first = browser.cookie("gatehouse-session");

    await browser.logIn("johndoe", "secret");

    const second = browser.cookie("gatehouse-session");
    assert.ok(first !== undefined && second !== undefined && first !== second);
    const stale = createPageBrowser(t.app, issuer);
    const response = await stale.request(`/authorize?${flow().query}`, {
      headers: { cookie: `gatehouse-session=${first}` },
    });
    assert.match(response.headers.get("location") ?? "", /^\/login/);
  });

  it("ends the session on logout, which needs its CSRF token", async () => {
    await browser.logIn("johndoe", "secret");
    const page = await (await browser.request("/login")).text();

    const forged = await browser.post("/logout", { csrf_token: "wrong" });
    const stillIn = await browser.request(`/authorize?${flow().query}`);
    const loggedOut = await browser.post("/logout", {
      csrf_token: hiddenField(page, "csrf_token"),
    });
    const after = await browser.request(`/authorize?${flow().query}`);

    assert.equal(forged.status, 403);
    assert.equal(stillIn.status, 200);
    assert.equal(loggedOut.status, 303);
    assert.match(after.headers.get("location") ?? "", /^\/login/);
    assert.equal((await t.store.audit.list({ type: "session.ended", limit: 5 })).events.length, 1);
  });

  it("refuses a code whose user was disabled before its redemption", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";
    t.clock.advance(1);
    await disableUser(
      { users: t.store.users, refreshTokens: t.store.refreshTokens, clock: t.clock },
      "johndoe",
    );

    const response = await redeem(code, f.verifier);

    assert.equal(response.status, 400);
  });

  it("never returns to another origin after a login", async () => {
    for (const target of ["https://evil.example/", "//evil.example/", "/\\evil.example"]) {
      const page = await browser.request(`/login?return_to=${encodeURIComponent(target)}`);
      const csrf = hiddenField(await page.text(), "csrf_token");

      const response = await browser.post("/login", {
        csrf_token: csrf,
        username: "johndoe",
        password: "secret",
        return_to: target,
      });

      assert.equal(response.headers.get("location"), "/login", target);
    }
  });

  it("audits logins on the page, consents, and codes issued and redeemed", async () => {
    const f = flow();
    const code = (await authorize(f)).get("code") ?? "";
    await redeem(code, f.verifier);

    const types: string[] = (await t.store.audit.list({ limit: 50 })).events.map((e) => e.type);

    for (const type of ["login.succeeded", "consent.granted", "code.issued", "code.redeemed"]) {
      assert.ok(types.includes(type), type);
    }
  });

  it("sets HttpOnly, SameSite=Lax cookies, Secure and __Host- prefixed on an https issuer", async () => {
    const secure = await makeTestApp({ issuer: "https://auth.example" });
    try {
      const response = await secure.app.request("https://auth.example/login");
      const cookie = response.headers.getSetCookie().join("\n");

      assert.match(
        cookie,
        /^__Host-gatehouse-csrf=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/m,
      );
    } finally {
      await secure.close();
    }
  });

  it("refuses the login page on a plain-http issuer that is not a loopback address", async () => {
    const plain = await makeTestApp({ issuer: "http://auth.example" });
    try {
      const response = await plain.app.request("http://auth.example/login");

      assert.equal(response.status, 403);
      assert.equal(response.headers.getSetCookie().length, 0);
    } finally {
      await plain.close();
    }
  });
});

describe("login sessions across instances sharing one database", () => {
  let dir: string;
  let a: TestApp;
  let b: TestApp;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-sessions-"));
    const path = join(dir, "gatehouse.db");
    a = await makeTestApp({ issuer, store: (clock) => createSqliteStore({ path, clock }) });
    b = await makeTestApp({ issuer, store: (clock) => createSqliteStore({ path, clock }) });
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("ends a session on every instance when it signs out on one", async () => {
    const onA = createPageBrowser(a.app, issuer);
    await onA.logIn("johndoe", "secret");
    const cookie = `gatehouse-session=${onA.cookie("gatehouse-session")}; gatehouse-csrf=${onA.cookie("gatehouse-csrf")}`;
    const page = await (await onA.request("/login")).text();

    const signedOut = await b.app.request(`${issuer}/logout`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf_token: hiddenField(page, "csrf_token") }).toString(),
    });
    const after = await onA.request("/login");

    assert.equal(signedOut.status, 303);
    assert.match(await after.text(), /<form method="post" action="\/login">/);
  });

  it("ends a session on every instance when the user is disabled on another", async () => {
    const onA = createPageBrowser(a.app, issuer);
    await onA.logIn("johndoe", "secret");
    b.clock.advance(1);

    await disableUser(
      { users: b.store.users, refreshTokens: b.store.refreshTokens, clock: b.clock },
      "johndoe",
    );
    const after = await onA.request("/login");

    assert.match(await after.text(), /<form method="post" action="\/login">/);
  });
});
