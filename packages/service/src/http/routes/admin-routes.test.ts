import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { adminTokens } from "../../../../../test/fixtures/admin-tokens.ts";
import { bearerRequest } from "../../../../../test/fixtures/bearer-request.ts";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";

const adminPassword = "admin password 1";
// Long enough for the default password policy and on no common-password list.
const newPassword = "pw for new user";

interface RouteCase {
  readonly method: string;
  readonly path: string;
  readonly scope: string;
  readonly body?: unknown;
  readonly ok: number;
}

describe("the admin API", () => {
  let t: TestApp;
  let admin: string;
  let reader: string;
  let seed: string;
  let serial = 0;
  const fresh = (): string => `user${++serial}`;

  const call = (
    method: string,
    path: string,
    token: string | undefined,
    body?: unknown,
  ): Promise<Response> => bearerRequest(t.app, method, path, token, body);

  const create = async (username: string, extra: Record<string, unknown> = {}): Promise<Response> =>
    call("POST", "/admin/users", admin, { username, password: "pw for new user", ...extra });

  const lastEvents = async (count: number) => (await t.store.audit.list({ limit: count })).events;

  before(async () => {
    t = await makeTestApp();
    // Every scope of the catalogue, so it may grant any of them.
    ({ admin, reader, seed } = await adminTokens(
      t,
      ["me", "items", "introspect", "users:read", "users:write", "audit:read"],
      "users:read",
    ));
  });
  after(() => t.close());

  const routes: readonly RouteCase[] = [
    { method: "GET", path: "/admin/users", scope: "users:read", ok: 200 },
    { method: "GET", path: "/admin/users/johndoe", scope: "users:read", ok: 200 },
    {
      method: "POST",
      path: "/admin/users",
      scope: "users:write",
      body: { username: "authzcase", password: newPassword },
      ok: 201,
    },
    {
      method: "PATCH",
      path: "/admin/users/johndoe",
      scope: "users:write",
      body: { full_name: "John Doe" },
      ok: 200,
    },
    {
      method: "PUT",
      path: "/admin/users/johndoe/password",
      scope: "users:write",
      body: { password: "a new secret for john" },
      ok: 204,
    },
    { method: "DELETE", path: "/admin/users/authzcase", scope: "users:write", ok: 204 },
    { method: "GET", path: "/admin/audit", scope: "audit:read", ok: 200 },
  ];

  for (const route of routes) {
    describe(`${route.method} ${route.path}`, () => {
      it("answers 401 with a bare Bearer challenge without a token", async () => {
        const response = await call(route.method, route.path, undefined, route.body);

        assert.equal(response.status, 401);
        assert.equal(response.headers.get("www-authenticate"), "Bearer");
      });

      it(`answers 403 insufficient_scope to a token without ${route.scope}`, async () => {
        const response = await call(route.method, route.path, seed, route.body);

        assert.equal(response.status, 403);
        assert.equal(
          response.headers.get("www-authenticate"),
          `Bearer error="insufficient_scope", scope="${route.scope}"`,
        );
      });

      it(`answers ${route.ok} to a token with ${route.scope}`, async () => {
        const response = await call(route.method, route.path, admin, route.body);

        assert.equal(response.status, route.ok);
      });
    });
  }

  it("checks the token before the body, so a bad body without a token is a 401", async () => {
    const response = await call("POST", "/admin/users", undefined, "not json");

    assert.equal(response.status, 401);
  });

  it("creates a user, returns it without any hash, and records user.created by the admin", async () => {
    const username = fresh();

    const response = await create(username, {
      email: "new@example.com",
      full_name: "New User",
      scopes: ["me"],
    });

    assert.equal(response.status, 201);
    const body = (await response.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), [
      "created_at",
      "disabled",
      "email",
      "full_name",
      "scopes",
      "updated_at",
      "username",
    ]);
    assert.deepEqual(
      { ...body, created_at: undefined, updated_at: undefined },
      {
        username,
        email: "new@example.com",
        full_name: "New User",
        disabled: false,
        scopes: ["me"],
        created_at: undefined,
        updated_at: undefined,
      },
    );
    const [event] = await lastEvents(1);
    assert.equal(event?.type, "user.created");
    assert.equal(event?.actor, "root");
    assert.equal(event?.subject, username);
    assert.equal(event?.details["scopes"], "me");
    assert.match(event?.requestId ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(event?.requestId, response.headers.get("x-request-id"));
  });

  it("lets a user created over the API log in with the password it was given", async () => {
    const username = fresh();
    await create(username, { scopes: ["me"] });

    const token = await t.login(username, "pw for new user");

    assert.ok(token.length > 0);
  });

  it("answers 409 to a duplicate username and records nothing", async () => {
    const before = (await lastEvents(1))[0]?.id;

    const response = await create("johndoe");

    assert.equal(response.status, 409);
    assert.deepEqual(await response.json(), { detail: "Username already exists" });
    assert.equal((await lastEvents(1))[0]?.id, before);
  });

  it("answers 422 naming the field for a bad email, an unknown scope and a bad username", async () => {
    const response = await call("POST", "/admin/users", admin, {
      username: "-bad name",
      password: newPassword,
      email: "not-an-email",
      scopes: ["me", "root"],
    });

    assert.equal(response.status, 422);
    const { detail } = (await response.json()) as {
      detail: { type: string; loc: unknown[]; input: unknown }[];
    };
    assert.deepEqual(
      detail.map((issue) => [issue.loc, issue.input]),
      [
        [["body", "username"], "-bad name"],
        [["body", "email"], "not-an-email"],
        [["body", "scopes", 1], "root"],
      ],
    );
  });

  it("reports a missing field FastAPI's way", async () => {
    const response = await call("POST", "/admin/users", admin, { password: newPassword });

    assert.equal(response.status, 422);
    assert.deepEqual(await response.json(), {
      detail: [{ type: "missing", loc: ["body", "username"], msg: "Field required", input: null }],
    });
  });

  it("never echoes a password in a 422", async () => {
    const password = `${"x".repeat(1025)}-distinctive`;

    const response = await call("POST", "/admin/users", admin, { username: fresh(), password });

    assert.equal(response.status, 422);
    const text = await response.text();
    assert.doesNotMatch(text, /distinctive/);
    assert.match(text, /"loc":\["body","password"\],"msg":"Password must be/);
    assert.match(text, /"input":null/);
  });

  for (const [label, password, why] of [
    ["a one-character password", "x", "Password must be at least 15 characters"],
    [
      "a commonly used password",
      "PasswordPassword",
      "Password is a commonly used password; choose another",
    ],
  ] as const) {
    it(`answers 422 naming the password field and the rule for ${label}, never echoing it`, async () => {
      const username = fresh();
      const responses = [
        await call("POST", "/admin/users", admin, { username, password }),
        await call("PUT", "/admin/users/johndoe/password", admin, { password }),
      ];

      for (const response of responses) {
        assert.equal(response.status, 422);
        const text = await response.text();
        assert.deepEqual(JSON.parse(text), {
          detail: [{ type: "value_error", loc: ["body", "password"], msg: why, input: null }],
        });
        assert.ok(!text.includes(password));
      }
      assert.equal((await call("GET", `/admin/users/${username}`, admin)).status, 404);
    });
  }

  it("answers 409 to a username differing from an existing one only by case", async () => {
    const username = fresh();
    assert.equal((await create(username)).status, 201);

    const response = await create(username.toUpperCase());

    assert.equal(response.status, 409);
    assert.equal((await call("GET", `/admin/users/${username.toUpperCase()}`, admin)).status, 404);
  });

  it("logs a user in by any case variant of the username, as the stored name", async () => {
    const username = fresh();
    await create(username, { scopes: ["me"] });

    const token = await t.login(username.toUpperCase(), newPassword, "me");

    const me = await t.app.request("/users/me/", { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await me.json()) as { username: string }).username, username);
  });

  it("answers 403 when an admin grants a scope it does not hold itself", async () => {
    const lesser = fresh();
    await create(lesser, { scopes: ["users:write", "me"] });
    const token = await t.login(lesser, newPassword, "users:write");

    const created = await call("POST", "/admin/users", token, {
      username: fresh(),
      password: newPassword,
      scopes: ["audit:read"],
    });
    const patched = await call("PATCH", "/admin/users/johndoe", token, { scopes: ["audit:read"] });

    assert.equal(created.status, 403);
    assert.deepEqual(await created.json(), { detail: "Cannot grant a scope you do not hold" });
    assert.equal(patched.status, 403);
  });

  it("answers 409 when the last active users:write account disables, deletes or demotes itself", async () => {
    const solo = await makeTestApp();
    try {
      await solo.store.users.createUser({
        username: "boss",
        scopes: ["users:write", "me"],
        passwordHash: await solo.hasher.hash(adminPassword),
      });
      const token = await solo.login("boss", adminPassword, "users:write");
      const send = (method: string, body?: unknown) =>
        solo.app.request("/admin/users/boss", {
          method,
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });

      for (const response of [
        await send("PATCH", { disabled: true }),
        await send("PATCH", { scopes: ["me"] }),
        await send("DELETE"),
      ]) {
        assert.equal(response.status, 409);
        assert.match(
          ((await response.json()) as { detail: string }).detail,
          /last active account that can manage users/,
        );
      }
      assert.equal((await solo.store.users.findByUsername("boss"))?.disabled, false);
    } finally {
      await solo.close();
    }
  });

  it("answers 422 json_invalid to a body that is not JSON", async () => {
    const response = await call("POST", "/admin/users", admin, "{not json");

    assert.equal(response.status, 422);
    assert.deepEqual(await response.json(), {
      detail: [{ type: "json_invalid", loc: ["body"], msg: "JSON decode error", input: null }],
    });
  });

  it("answers 413 to a body over 64 KiB", async () => {
    const response = await call("POST", "/admin/users", admin, {
      username: fresh(),
      password: "x",
      full_name: "y".repeat(70_000),
    });

    assert.equal(response.status, 413);
  });

  it("answers 404 for an unknown user on read, update, password and delete", async () => {
    const answers = await Promise.all([
      call("GET", "/admin/users/nobody", admin),
      call("PATCH", "/admin/users/nobody", admin, { disabled: true }),
      call("PUT", "/admin/users/nobody/password", admin, { password: newPassword }),
      call("DELETE", "/admin/users/nobody", admin),
    ]);

    assert.deepEqual(
      answers.map((r) => r.status),
      [404, 404, 404, 404],
    );
    assert.deepEqual(await answers[0]?.json(), { detail: "User not found" });
  });

  it("answers 422 for a path username that breaks the rules", async () => {
    const response = await call("GET", "/admin/users/-x", admin);

    assert.equal(response.status, 422);
    assert.deepEqual(((await response.json()) as { detail: { loc: unknown }[] }).detail[0]?.loc, [
      "path",
      "username",
    ]);
  });

  it("reads one user without its hash", async () => {
    const response = await call("GET", "/admin/users/johndoe", reader);

    const text = await response.text();
    assert.equal(response.status, 200);
    assert.doesNotMatch(text, /argon2|password/);
    assert.equal(JSON.parse(text).username, "johndoe");
  });

  it("updates fields and records user.updated naming them, then user.disabled and user.enabled", async () => {
    const username = fresh();
    await create(username);

    const changed = await call("PATCH", `/admin/users/${username}`, admin, {
      email: "changed@example.com",
      scopes: ["me", "items"],
    });
    await call("PATCH", `/admin/users/${username}`, admin, { disabled: true });
    await call("PATCH", `/admin/users/${username}`, admin, { disabled: false });

    assert.equal(changed.status, 200);
    const body = (await changed.json()) as { email: string; scopes: string[] };
    assert.equal(body.email, "changed@example.com");
    assert.deepEqual(body.scopes, ["me", "items"]);
    const events = [...(await lastEvents(3))].reverse();
    assert.deepEqual(
      events.map((e) => [e.type, e.actor, e.subject]),
      [
        ["user.updated", "root", username],
        ["user.disabled", "root", username],
        ["user.enabled", "root", username],
      ],
    );
    assert.deepEqual(events[0]?.details, { fields: "email,scopes", scopes: "me items" });
  });

  it("keeps a disabled user's tokens from working at once", async () => {
    const username = fresh();
    await create(username, { scopes: ["me"] });
    const token = await t.login(username, "pw for new user");

    await call("PATCH", `/admin/users/${username}`, admin, { disabled: true });
    const response = await call("GET", "/users/me", token);

    assert.equal(response.status, 400);
  });

  it("sets a password that then logs in, and records user.password_set", async () => {
    const username = fresh();
    await create(username);

    const response = await call("PUT", `/admin/users/${username}/password`, admin, {
      password: "brand new password",
    });

    assert.equal(response.status, 204);
    assert.ok(await t.login(username, "brand new password"));
    const events = await t.store.audit.list({ limit: 10, type: "user.password_set" });
    assert.equal(events.events[0]?.subject, username);
  });

  it("takes back a user's tokens when an admin sets a new password", async () => {
    const username = fresh();
    await create(username, { scopes: ["me"] });
    const token = await t.login(username, "pw for new user");
    t.clock.advance(1000);

    await call("PUT", `/admin/users/${username}/password`, admin, { password: "another password" });
    const response = await call("GET", "/users/me", token);

    assert.equal(response.status, 401);
  });

  it("keeps tokens revoked by a disable revoked after the user is enabled again", async () => {
    const username = fresh();
    await create(username, { scopes: ["me"] });
    const token = await t.login(username, "pw for new user");
    t.clock.advance(1000);

    await call("PATCH", `/admin/users/${username}`, admin, { disabled: true });
    await call("PATCH", `/admin/users/${username}`, admin, { disabled: false });
    const response = await call("GET", "/users/me", token);

    assert.equal(response.status, 401);
  });

  it("revokes every access and refresh token of a user and records token.revoked", async () => {
    const username = fresh();
    await create(username, { scopes: ["me"] });
    const login = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ username, password: "pw for new user" }),
    });
    const { access_token, refresh_token } = (await login.json()) as Record<string, string>;
    t.clock.advance(1000);

    const response = await call("POST", `/admin/users/${username}/revoke-tokens`, admin);
    const me = await call("GET", "/users/me", access_token);
    const refresh = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refresh_token ?? "",
      }),
    });

    assert.equal(response.status, 204);
    assert.equal(me.status, 401);
    assert.equal(refresh.status, 400);
    const events = await t.store.audit.list({ limit: 1, type: "token.revoked" });
    assert.equal(events.events[0]?.subject, username);
    assert.equal(events.events[0]?.actor, "root");
  });

  it("guards revoke-tokens with users:write and answers 404 for an unknown user", async () => {
    const none = await call("POST", "/admin/users/johndoe/revoke-tokens", undefined);
    const readOnly = await call("POST", "/admin/users/johndoe/revoke-tokens", reader);
    const unknown = await call("POST", "/admin/users/nobody-here/revoke-tokens", admin);

    assert.equal(none.status, 401);
    assert.equal(readOnly.status, 403);
    assert.equal(unknown.status, 404);
  });

  it("deletes a user and records user.deleted", async () => {
    const username = fresh();
    await create(username);

    const response = await call("DELETE", `/admin/users/${username}`, admin);

    assert.equal(response.status, 204);
    assert.equal(await t.store.users.findByUsername(username), undefined);
    const [event] = await lastEvents(1);
    assert.deepEqual(
      [event?.type, event?.actor, event?.subject],
      ["user.deleted", "root", username],
    );
  });

  it("pages the user list with an opaque cursor and filters by prefix and disabled", async () => {
    for (const name of ["page-a", "page-b", "page-c"]) await create(name);
    await call("PATCH", "/admin/users/page-b", admin, { disabled: true });

    const first = await call("GET", "/admin/users?prefix=page-&limit=2", reader);
    const firstBody = (await first.json()) as {
      users: { username: string }[];
      next_cursor: string;
    };
    const second = await call(
      "GET",
      `/admin/users?prefix=page-&limit=2&cursor=${firstBody.next_cursor}`,
      reader,
    );
    const disabled = await call("GET", "/admin/users?prefix=page-&disabled=true", reader);

    assert.deepEqual(
      firstBody.users.map((u) => u.username),
      ["page-a", "page-b"],
    );
    assert.deepEqual(
      await second
        .json()
        .then((b) =>
          (b as { users: { username: string }[]; next_cursor: unknown }).users.map(
            (u) => u.username,
          ),
        ),
      ["page-c"],
    );
    assert.deepEqual(
      ((await disabled.json()) as { users: { username: string }[] }).users.map((u) => u.username),
      ["page-b"],
    );
  });

  it("answers 422 to a page size out of range", async () => {
    const response = await call("GET", "/admin/users?limit=0", reader);

    assert.equal(response.status, 422);
    assert.deepEqual(((await response.json()) as { detail: { loc: unknown }[] }).detail[0]?.loc, [
      "query",
      "limit",
    ]);
  });

  it("documents the body, parameters and query of each admin route in OpenAPI", async () => {
    const doc = (await (await t.app.request("/openapi.json")).json()) as {
      paths: Record<
        string,
        Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown }>
      >;
    };

    const patch = doc.paths["/admin/users/{username}"]?.["patch"];
    const list = doc.paths["/admin/users"]?.["get"];

    assert.deepEqual(
      patch?.parameters?.map((p) => [p.in, p.name]),
      [["path", "username"]],
    );
    assert.ok(patch?.requestBody);
    assert.deepEqual(
      list?.parameters?.map((p) => p.name),
      ["limit", "cursor", "prefix", "disabled"],
    );
  });
});
