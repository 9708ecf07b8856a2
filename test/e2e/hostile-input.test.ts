// Input that must never give a 5xx (issue 16): NUL characters in every string that reaches a
// store, and JSON nested thousands deep, on every store.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createPostgresStore } from "gatehouse-auth/storage/postgres/store";
import { createSqliteStore } from "gatehouse-auth/storage/sqlite/store";
import { createFixedClock } from "gatehouse-auth-core/clock";
import type { Store } from "gatehouse-auth-core/ports";
import {
  createThrowawayDatabase,
  requirePostgres,
  type ThrowawayDatabase,
} from "../fixtures/postgres-database.ts";
import { makeTestApp, type TestApp } from "../fixtures/test-app.ts";

const skipPostgres = await requirePostgres();
const nul = "a\u0000b";
const deep = `${"[".repeat(6000)}${"]".repeat(6000)}`;

interface StoreCase {
  readonly name: string;
  readonly skip: false | string;
  /** Opens the store for one app; `undefined` runs on the test app's memory store. */
  readonly open?: () => Promise<{ store: Store; done: () => Promise<void> }>;
}

const stores: readonly StoreCase[] = [
  { name: "memory", skip: false },
  {
    name: "SQLite",
    skip: false,
    open: async () => ({
      store: createSqliteStore({ path: ":memory:", clock: createFixedClock(Date.UTC(2026, 0, 1)) }),
      done: async () => {},
    }),
  },
  {
    name: "PostgreSQL",
    skip: skipPostgres,
    open: async () => {
      const database: ThrowawayDatabase = await createThrowawayDatabase();
      const clock = createFixedClock(Date.UTC(2026, 0, 1));
      return {
        store: await createPostgresStore({ url: database.url, clock }),
        done: database.drop,
      };
    },
  },
];

const cursorOf = (text: string): string => Buffer.from(text).toString("base64url");

for (const { name, skip, open } of stores) {
  describe(`hostile input on the ${name} store`, { skip }, () => {
    let t: TestApp;
    let admin: string;
    let done = async (): Promise<void> => {};

    before(async () => {
      const opened = await open?.();
      if (opened !== undefined) done = opened.done;
      t = await makeTestApp(opened === undefined ? {} : { store: () => opened.store });
      await t.store.users.createUser({
        username: "root",
        scopes: ["users:read", "users:write", "audit:read", "introspect"],
        passwordHash: await t.hasher.hash("root password"),
      });
      admin = await t.login("root", "root password");
    });
    after(async () => {
      await t.close();
      await done();
    });

    const call = async (method: string, path: string, body?: string): Promise<Response> =>
      t.app.request(path, {
        method,
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body }),
      });

    const locOf = async (response: Response): Promise<unknown[]> => {
      const body = (await response.json()) as { detail: { loc: unknown[] }[] };
      return body.detail.map((issue) => issue.loc);
    };

    it("refuses a NUL in each admin query parameter with 422 naming it (issue 16)", async () => {
      const cases = [
        ["/admin/users?prefix=a%00b", ["query", "prefix"]],
        [`/admin/users?cursor=${cursorOf(nul)}`, ["query", "cursor"]],
        ["/admin/users?cursor=a%00b", ["query", "cursor"]],
        ["/admin/audit?user=a%00b", ["query", "user"]],
      ] as const;

      for (const [path, loc] of cases) {
        const response = await call("GET", path);

        assert.equal(response.status, 422, path);
        assert.deepEqual(await locOf(response), [loc], path);
      }
    });

    it("refuses a NUL in the username path parameter of every admin route with 422 (issue 16)", async () => {
      const cases = [
        ["GET", "/admin/users/a%00b", undefined],
        ["PATCH", "/admin/users/a%00b", "{}"],
        ["PUT", "/admin/users/a%00b/password", '{"password":"a new password, long enough"}'],
        ["DELETE", "/admin/users/a%00b", undefined],
        ["POST", "/admin/users/a%00b/revoke-tokens", undefined],
      ] as const;

      for (const [method, path, body] of cases) {
        const response = await call(method, path, body);

        assert.equal(response.status, 422, `${method} ${path}`);
        assert.deepEqual(await locOf(response), [["path", "username"]], `${method} ${path}`);
      }
    });

    it("refuses a NUL in each string of an admin body with 422 naming it (issue 16)", async () => {
      const cases = [
        [
          "POST",
          "/admin/users",
          { username: nul, password: "a password, long enough" },
          ["body", "username"],
        ],
        ["POST", "/admin/users", { username: "n1", password: nul }, ["body", "password"]],
        [
          "POST",
          "/admin/users",
          { username: "n2", password: "a password, long enough", email: nul },
          ["body", "email"],
        ],
        [
          "POST",
          "/admin/users",
          { username: "n3", password: "a password, long enough", full_name: nul },
          ["body", "full_name"],
        ],
        [
          "POST",
          "/admin/users",
          { username: "n4", password: "a password, long enough", scopes: [nul] },
          ["body", "scopes", 0],
        ],
        [
          "POST",
          "/admin/users",
          { username: "n5", password: "a password, long enough", [nul]: 1 },
          ["body", nul],
        ],
        ["PATCH", "/admin/users/johndoe", { full_name: nul }, ["body", "full_name"]],
        ["PATCH", "/admin/users/johndoe", { email: `${nul}@example.com` }, ["body", "email"]],
        ["PATCH", "/admin/users/johndoe", { scopes: ["me", nul] }, ["body", "scopes", 1]],
        ["PUT", "/admin/users/johndoe/password", { password: nul }, ["body", "password"]],
      ] as const;

      for (const [method, path, body, loc] of cases) {
        const response = await call(method, path, JSON.stringify(body));

        assert.equal(response.status, 422, `${method} ${path} ${loc.join(".")}`);
        assert.deepEqual(await locOf(response), [loc], `${method} ${path}`);
      }
      assert.equal((await t.store.users.findByUsername("johndoe"))?.fullName, "John Doe");
    });

    it("answers the OAuth forms holding a NUL in any field without a 5xx (issue 16)", async () => {
      const form = { "content-type": "application/x-www-form-urlencoded" };
      const cases = [
        ["/token", "username=a%00b&password=pw", form],
        ["/token", "username=root&password=a%00b", form],
        ["/token", "username=root&password=root+password&scope=a%00b", form],
        ["/token", "username=root&password=root+password&client_id=a%00b", form],
        ["/token", "grant_type=refresh_token&refresh_token=a%00b", form],
        ["/token", "grant_type=a%00b&username=root&password=pw", form],
        ["/revoke", "token=a%00b", form],
        ["/revoke", "token=a%00b&token_type_hint=refresh_token", form],
        ["/introspect", "token=a%00b", { ...form, authorization: `Bearer ${admin}` }],
      ] as const;

      for (const [path, body, headers] of cases) {
        const response = await t.app.request(path, { method: "POST", body, headers });

        assert.ok(response.status < 500, `${path} ${body}: ${response.status}`);
      }
    });

    it("refuses JSON nested 6,000 deep in an admin body with 422 json_invalid (issue 16)", async () => {
      const bodies = [deep, `{"username":${deep},"password":"pw"}`, `{"full_name":${deep}}`];

      for (const body of bodies) {
        const response = await call("POST", "/admin/users", body);

        assert.equal(response.status, 422);
        const answer = (await response.json()) as { detail: { type: string; loc: unknown[] }[] };
        assert.deepEqual(
          answer.detail.map((issue) => [issue.type, issue.loc]),
          [["json_invalid", ["body"]]],
        );
      }
    });
  });
}
