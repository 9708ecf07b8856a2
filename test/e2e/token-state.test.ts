// Tokens do not outlive the state they were issued for: a token's user, as stored now, decides
// what it may do — on every store. An account deleted and created again under the same name does
// not inherit the old account's tokens, and scopes taken from a user stop working at once.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createPostgresStore } from "gatehouse-auth/storage/postgres/store";
import { createSqliteStore } from "gatehouse-auth/storage/sqlite/store";
import { type Clock, systemClock } from "gatehouse-auth-core/clock";
import type { Store } from "gatehouse-auth-core/ports";
import {
  createThrowawayDatabase,
  requirePostgres,
  type ThrowawayDatabase,
} from "../fixtures/postgres-database.ts";
import { makeTestApp, type TestApp } from "../fixtures/test-app.ts";

const skipPostgres = await requirePostgres();
const rootPassword = "root password 1";

interface StoreCase {
  readonly name: string;
  readonly skip: false | string;
  /** Opens the store on the test app's clock; `done` releases what it made beyond the store. */
  readonly open: (clock: () => Clock) => Promise<{ store: () => Store; done: () => Promise<void> }>;
}

const stores: readonly StoreCase[] = [
  {
    name: "memory",
    skip: false,
    open: async (clock) => ({
      store: () => createMemoryStore({ clock: clock() }),
      done: async () => {},
    }),
  },
  {
    name: "SQLite",
    skip: false,
    open: async (clock) => ({
      store: () => createSqliteStore({ path: ":memory:", clock: clock() }),
      done: async () => {},
    }),
  },
  {
    name: "PostgreSQL",
    skip: skipPostgres,
    open: async (clock) => {
      const database: ThrowawayDatabase = await createThrowawayDatabase();
      // The store opens before the app's clock exists: it reads the app's clock through this.
      const store = await createPostgresStore({
        url: database.url,
        clock: { now: () => clock().now() },
      });
      return { store: () => store, done: () => database.drop() };
    },
  },
];

for (const storeCase of stores) {
  describe(`token state on the ${storeCase.name} store`, { skip: storeCase.skip }, () => {
    let t: TestApp;
    let root: string;
    let done: () => Promise<void>;

    const call = (method: string, path: string, token: string, body?: unknown) =>
      t.app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const introspect = async (token: string): Promise<Record<string, unknown>> => {
      const response = await t.app.request("/introspect", {
        method: "POST",
        headers: { authorization: `Bearer ${root}` },
        body: new URLSearchParams({ token }),
      });
      assert.equal(response.status, 200);
      return (await response.json()) as Record<string, unknown>;
    };
    const createUser = async (username: string, scopes: string[]): Promise<void> => {
      const created = await call("POST", "/admin/users", root, {
        username,
        password: `${username} password, long enough`,
        scopes,
      });
      assert.equal(created.status, 201, await created.text());
    };

    before(async () => {
      let appClock: Clock | undefined;
      // Until the app exists (PostgreSQL migrates on open), the system clock.
      const opened = await storeCase.open(() => appClock ?? systemClock);
      done = opened.done;
      t = await makeTestApp({
        store: (clock) => {
          appClock = clock;
          return opened.store();
        },
      });
      await t.store.users.createUser({
        username: "root",
        // An admin grants only scopes it holds (issue 16), so root holds those it hands out.
        scopes: ["me", "items", "users:read", "users:write", "introspect"],
        passwordHash: await t.hasher.hash(rootPassword),
      });
      root = await t.login("root", rootPassword);
    });
    after(async () => {
      await t.close();
      await done();
    });

    it("refuses the old account's access token once its username is created again", async () => {
      await createUser("bob", ["me", "users:read", "users:write"]);
      const old = await t.login("bob", "bob password, long enough");
      t.clock.advance(1000);
      assert.equal((await call("DELETE", "/admin/users/bob", root)).status, 204);
      t.clock.advance(1000);
      await createUser("bob", ["me"]);

      const read = await call("GET", "/admin/users/johndoe", old);

      assert.equal(read.status, 401);
      assert.deepEqual(await introspect(old), { active: false });
      const fresh = await t.login("bob", "bob password, long enough");
      assert.equal((await call("GET", "/users/me/", fresh)).status, 200);
    });

    it("stops a scope taken from a user on the user's existing token, and gives it back with the scope", async () => {
      await createUser("carol", ["me", "users:read", "users:write"]);
      const carol = await t.login("carol", "carol password, long enough");
      const taken = await call("PATCH", "/admin/users/carol", root, { scopes: ["me"] });
      assert.equal(taken.status, 200, await taken.text());

      const regrant = await call("PATCH", "/admin/users/carol", carol, {
        scopes: ["me", "users:write"],
      });

      assert.equal(regrant.status, 403);
      assert.equal((await introspect(carol))["scope"], "me");
      assert.equal((await call("GET", "/users/me/", carol)).status, 200);
      await call("PATCH", "/admin/users/carol", root, { scopes: ["me", "users:read"] });
      assert.equal((await call("GET", "/admin/users/johndoe", carol)).status, 200);
    });

    it("caps the scopes of a refresh by the user's current scopes", async () => {
      await createUser("dave", ["me", "items"]);
      const login = await t.app.request("/token", {
        method: "POST",
        body: new URLSearchParams({ username: "dave", password: "dave password, long enough" }),
      });
      const { refresh_token } = (await login.json()) as { refresh_token: string };
      await call("PATCH", "/admin/users/dave", root, { scopes: ["me"] });

      const refreshed = await t.app.request("/token", {
        method: "POST",
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token }),
      });

      assert.equal(refreshed.status, 200);
      assert.equal(((await refreshed.json()) as { scope: string }).scope, "me");
    });
  });
}
