import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AuthError } from "gatehouse-auth-core/errors";
import type { PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp, testKeyId } from "../../../../../test/fixtures/test-app.ts";
import { createApp } from "../app.ts";

const form = (fields: Record<string, string>): URLSearchParams => new URLSearchParams(fields);

function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}

describe("POST /token", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp();
  });
  after(() => t.close());

  const post = (
    body: string | URLSearchParams | null,
    headers: Record<string, string> = {},
  ): Promise<Response> =>
    Promise.resolve(t.app.request("/token", { method: "POST", body, headers }));

  it("issues a bearer token with every allowed scope when no scope is asked for", async () => {
    const response = await post(form({ username: "johndoe", password: "secret" }));

    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body["token_type"], "bearer");
    assert.equal(body["expires_in"], 1800);
    assert.equal(body["scope"], "me items");
    assert.equal(typeof body["access_token"], "string");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.equal(response.headers.get("pragma"), "no-cache");
  });

  it("writes sub, exp, iat, jti and a space-separated scope claim under an at+jwt header", async () => {
    const token = await t.login("johndoe", "secret", "me");

    const claims = claimsOf(token);
    const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString());
    assert.equal(claims["sub"], "johndoe");
    assert.equal(claims["scope"], "me");
    assert.equal(typeof claims["jti"], "string");
    assert.equal(claims["exp"], (claims["iat"] as number) + 1800);
    assert.deepEqual(header, { alg: "HS256", typ: "at+jwt", kid: testKeyId });
  });

  it("grants only the requested scopes the user is allowed", async () => {
    await t.store.users.updateUser("johndoe", { scopes: ["me"] });

    const response = await post(
      form({ username: "johndoe", password: "secret", scope: "me items" }),
    );

    await t.store.users.updateUser("johndoe", { scopes: ["me", "items"] });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { scope: string }).scope, "me");
  });

  it("refuses a scope that is not in the catalogue with invalid_scope", async () => {
    const response = await post(
      form({ username: "johndoe", password: "secret", scope: "me admin" }),
    );

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, "invalid_scope");
  });

  it("answers a wrong password and an unknown user with the same body", async () => {
    const wrong = await post(form({ username: "johndoe", password: "nope" }));
    const unknown = await post(form({ username: "nobody", password: "nope" }));
    const inactiveWrong = await post(form({ username: "alice", password: "nope" }));

    const expected = {
      error: "invalid_grant",
      error_description: "Incorrect username or password",
      detail: "Incorrect username or password",
    };
    for (const response of [wrong, unknown, inactiveWrong]) {
      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), expected);
      assert.equal(response.headers.get("cache-control"), "no-store");
    }
  });

  it("refuses the right password of a disabled user with Inactive user", async () => {
    const response = await post(form({ username: "alice", password: "secret2" }));

    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), {
      error: "invalid_grant",
      error_description: "Inactive user",
      detail: "Inactive user",
    });
  });

  it("names each missing field in a FastAPI-style 422", async () => {
    const response = await post(form({ username: "johndoe" }));

    assert.equal(response.status, 422);
    assert.deepEqual(await response.json(), {
      detail: [{ type: "missing", loc: ["body", "password"], msg: "Field required", input: null }],
    });
  });

  it("answers a JSON body with a 422 naming both fields, never a 500", async () => {
    const response = await post(JSON.stringify({ username: "johndoe", password: "secret" }), {
      "content-type": "application/json",
    });

    assert.equal(response.status, 422);
    const body = (await response.json()) as { detail: { loc: string[] }[] };
    assert.deepEqual(
      body.detail.map((issue) => issue.loc[1]),
      ["username", "password"],
    );
  });

  it("answers a body without a content type with a 422", async () => {
    const response = await post("username=johndoe&password=secret");

    assert.equal(response.status, 422);
  });

  it("refuses a parameter sent twice with invalid_request (RFC 6749 §3.2)", async () => {
    const response = await post("username=johndoe&password=secret&password=other", {
      "content-type": "application/x-www-form-urlencoded",
    });

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, "invalid_request");
  });

  it("accepts grant_type=password, client_id, client_secret and an empty Basic header", async () => {
    const body = form({
      grant_type: "password",
      username: "johndoe",
      password: "secret",
      client_id: "swagger",
      client_secret: "",
    });

    const response = await post(body, { authorization: `Basic ${btoa(":")}` });

    assert.equal(response.status, 200);
  });

  it("refuses another grant_type with unsupported_grant_type", async () => {
    const response = await post(
      form({ grant_type: "implicit", username: "johndoe", password: "secret" }),
    );

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, "unsupported_grant_type");
  });

  it("refuses a password holding a NUL byte with a 422 that does not echo it", async () => {
    const response = await post(form({ username: "johndoe", password: "secret\u0000x" }));

    assert.equal(response.status, 422);
    assert.doesNotMatch(await response.text(), /secret/);
  });

  it("refuses a password over 1024 bytes with a 422", async () => {
    const response = await post(form({ username: "johndoe", password: "x".repeat(1025) }));

    assert.equal(response.status, 422);
  });

  it("refuses a body over the size cap with a 413", async () => {
    const response = await post(form({ username: "johndoe", password: "x".repeat(100_000) }));

    assert.equal(response.status, 413);
  });

  it("treats an overlong username as unknown", async () => {
    const response = await post(form({ username: "j".repeat(500), password: "secret" }));

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, "invalid_grant");
  });
});

describe("POST /token in strict mode", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ strictGrantType: true });
  });
  after(() => t.close());

  it("requires grant_type", async () => {
    const response = await t.app.request("/token", {
      method: "POST",
      body: form({ username: "johndoe", password: "secret" }),
    });

    assert.equal(response.status, 422);
    const body = (await response.json()) as { detail: { loc: string[] }[] };
    assert.deepEqual(body.detail[0]?.loc, ["body", "grant_type"]);
  });

  it("accepts grant_type=password", async () => {
    const response = await t.app.request("/token", {
      method: "POST",
      body: form({ grant_type: "password", username: "johndoe", password: "secret" }),
    });

    assert.equal(response.status, 200);
  });
});

describe("POST /token under a login storm", () => {
  it("answers 503 with Retry-After when the hashing queue is full", async () => {
    const t = await makeTestApp();
    const busy: PasswordHasher = {
      ...t.hasher,
      verify: () => Promise.reject(new AuthError("hasher_busy", "queue full")),
    };
    const storm = createApp({ ...t.services, hasher: busy });

    const response = await storm.request("/token", {
      method: "POST",
      body: form({ username: "johndoe", password: "secret" }),
    });

    await t.close();
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "1");
    assert.equal(((await response.json()) as { error: string }).error, "temporarily_unavailable");
  });
});
