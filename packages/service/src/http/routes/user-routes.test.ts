import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";

interface RouteCase {
  readonly path: string;
  readonly required: string;
  /** A scope set that is not enough, or undefined when any valid token is. */
  readonly lacking: string | undefined;
  readonly expected: unknown;
}

const routes: readonly RouteCase[] = [
  {
    path: "/users/me/",
    required: "me",
    lacking: "items",
    expected: {
      username: "johndoe",
      email: "johndoe@example.com",
      full_name: "John Doe",
      disabled: false,
    },
  },
  {
    path: "/users/me/items/",
    required: "me items",
    lacking: "me",
    expected: [{ item_id: "Foo", owner: "johndoe" }],
  },
  { path: "/status/", required: "", lacking: undefined, expected: { status: "ok" } },
];

const challenge = (error: string, scopes: string): string =>
  scopes === "" ? `Bearer error="${error}"` : `Bearer error="${error}", scope="${scopes}"`;

for (const route of routes) {
  describe(`GET ${route.path}`, () => {
    let t: TestApp;
    let token: string;
    before(async () => {
      t = await makeTestApp();
    });
    beforeEach(async () => {
      await t.store.users.updateUser("johndoe", { disabled: false });
      token = await t.login("johndoe", "secret");
    });
    after(() => t.close());

    const get = (headers: Record<string, string> = {}, path = route.path) =>
      Promise.resolve(t.app.request(path, { headers }));

    it("answers a request without credentials with a bare Bearer challenge", async () => {
      const response = await get();

      assert.equal(response.status, 401);
      assert.equal(response.headers.get("www-authenticate"), "Bearer");
      assert.deepEqual(await response.json(), { detail: "Not authenticated" });
    });

    it("answers another scheme as if no credentials were sent", async () => {
      const response = await get({ authorization: `Basic ${btoa("johndoe:secret")}` });

      assert.equal(response.status, 401);
      assert.equal(response.headers.get("www-authenticate"), "Bearer");
      assert.deepEqual(await response.json(), { detail: "Not authenticated" });
    });

    it("refuses a tampered token with invalid_token", async () => {
      const [header, payload, signature] = token.split(".");
      const forged = Buffer.from(
        JSON.stringify({ sub: "alice", exp: 4102444800, iat: 1, jti: "x", scope: "me items" }),
      ).toString("base64url");

      const response = await get({ authorization: `Bearer ${header}.${forged}.${signature}` });

      assert.ok(payload);
      assert.equal(response.status, 401);
      assert.equal(
        response.headers.get("www-authenticate"),
        challenge("invalid_token", route.required),
      );
      assert.deepEqual(await response.json(), { detail: "Could not validate credentials" });
    });

    it("refuses a token outside the b64token grammar with invalid_token", async () => {
      const response = await get({ authorization: "Bearer not a token" });

      assert.equal(response.status, 401);
      assert.equal(
        response.headers.get("www-authenticate"),
        challenge("invalid_token", route.required),
      );
    });

    it("refuses an unsigned alg none token", async () => {
      const encode = (value: unknown): string =>
        Buffer.from(JSON.stringify(value)).toString("base64url");
      const unsigned = `${encode({ alg: "none", typ: "at+jwt" })}.${encode({ sub: "johndoe", exp: 4102444800, iat: 1, jti: "x", scope: "me items" })}.`;

      const response = await get({ authorization: `Bearer ${unsigned}` });

      assert.equal(response.status, 401);
    });

    it("refuses an expired token with the same answer as a bad one", async () => {
      t.clock.advance(31 * 60 * 1000);

      const response = await get({ authorization: `Bearer ${token}` });

      assert.equal(response.status, 401);
      assert.equal(
        response.headers.get("www-authenticate"),
        challenge("invalid_token", route.required),
      );
      assert.deepEqual(await response.json(), { detail: "Could not validate credentials" });
    });

    if (route.lacking !== undefined) {
      const lacking = route.lacking;
      it("refuses a token without the required scopes with 403 insufficient_scope", async () => {
        const narrow = await t.login("johndoe", "secret", lacking);

        const response = await get({ authorization: `Bearer ${narrow}` });

        assert.equal(response.status, 403);
        assert.equal(
          response.headers.get("www-authenticate"),
          challenge("insufficient_scope", route.required),
        );
        assert.deepEqual(await response.json(), { detail: "Not enough permissions" });
      });
    }

    it("answers a token with enough scope", async () => {
      const response = await get({ authorization: `Bearer ${token}` });

      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), route.expected);
    });

    it("accepts the bearer scheme in any case", async () => {
      const response = await get({ authorization: `bEaReR ${token}` });

      assert.equal(response.status, 200);
    });

    it("answers the path without its trailing slash too", async () => {
      const response = await get({ authorization: `Bearer ${token}` }, route.path.slice(0, -1));

      assert.equal(response.status, 200);
    });

    it("refuses the token of a user disabled since it was issued with Inactive user", async () => {
      await t.store.users.updateUser("johndoe", { disabled: true });

      const response = await get({ authorization: `Bearer ${token}` });

      assert.equal(response.status, 400);
      assert.deepEqual(await response.json(), { detail: "Inactive user" });
    });

    it("never reads a token from the query string", async () => {
      const response = await get({}, `${route.path}?access_token=${token}`);

      assert.equal(response.status, 401);
      assert.deepEqual(await response.json(), { detail: "Not authenticated" });
    });
  });
}

describe("a token whose user was deleted", () => {
  it("is refused with invalid_token", async () => {
    const t = await makeTestApp();
    const token = await t.login("johndoe", "secret");
    await t.store.users.deleteUser("johndoe");

    const response = await t.app.request("/users/me/", {
      headers: { authorization: `Bearer ${token}` },
    });

    await t.close();
    assert.equal(response.status, 401);
    assert.deepEqual(await response.json(), { detail: "Could not validate credentials" });
  });
});
