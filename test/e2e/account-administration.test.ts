// The account functions of the core, on the memory and SQLite stores: what each change writes to
// the audit trail, and the rules an account acting over the admin API is held to.
import assert from "node:assert/strict";
import { after, afterEach, beforeEach, describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createSqliteStore } from "gatehouse-auth/storage/sqlite/store";
import type { Clock } from "gatehouse-auth-core/clock";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { importedPasswordHash } from "gatehouse-auth-core/passwords/hash-formats";
import { createPasswordPolicy } from "gatehouse-auth-core/passwords/password-policy";
import type { Store } from "gatehouse-auth-core/ports";
import { createScopeCatalogue, gatehouseScopeDescriptions } from "gatehouse-auth-core/scopes";
import {
  type AuditContext,
  changeAccount,
  createAccount,
  deleteAccount,
  importAccount,
  setAccountPassword,
  type UserAdminDeps,
} from "gatehouse-auth-core/users/user-admin";
import { createFastHasher } from "../fixtures/fast-hasher.ts";

const context: AuditContext = { actor: "root", clientAddress: "10.0.0.1", requestId: "req-9" };
const scopes = createScopeCatalogue(gatehouseScopeDescriptions);
const bcrypt = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";
// Long enough for the default policy and on no common-password list.
const pw = "a long enough passphrase";

const stores: Readonly<Record<string, (clock: Clock) => Store>> = {
  memory: (clock) => createMemoryStore({ clock }),
  SQLite: (clock) => createSqliteStore({ path: ":memory:", clock }),
};

for (const [storeName, makeStore] of Object.entries(stores)) {
  describe(`account administration (${storeName} store)`, () => {
    const hasher = createFastHasher();
    let store: Store;
    let deps: UserAdminDeps;
    const types = async (): Promise<string[]> =>
      (await store.audit.list({ limit: 50 })).events.map((e) => e.type).reverse();

    beforeEach(() => {
      const clock = createFixedClock(Date.UTC(2026, 0, 1));
      store = makeStore(clock);
      deps = {
        passwordPolicy: createPasswordPolicy(),
        users: store.users,
        hasher,
        audit: store.audit,
        scopes,
        refreshTokens: store.refreshTokens,
        clock,
      };
    });
    afterEach(() => store.close());
    after(() => hasher.close());

    it("records who created an account, from where and in which request", async () => {
      await createAccount(deps, context, { username: "ann", password: pw, scopes: ["me"] });

      const [event] = (await store.audit.list({ limit: 1 })).events;
      assert.deepEqual(
        { ...event, id: 0, time: 0 },
        {
          id: 0,
          time: 0,
          type: "user.created",
          actor: "root",
          subject: "ann",
          clientAddress: "10.0.0.1",
          requestId: "req-9",
          reason: null,
          details: { scopes: "me", disabled: false },
        },
      );
    });

    it("refuses a bad username, a bad password and an unknown scope before writing anything", async () => {
      await assert.rejects(createAccount(deps, context, { username: "-x", password: pw }), {
        code: "invalid_request",
      });
      await assert.rejects(createAccount(deps, context, { username: "ann", password: "" }), {
        code: "invalid_request",
      });
      await assert.rejects(
        createAccount(deps, context, { username: "ann", password: pw, scopes: ["root"] }),
        { code: "invalid_scope" },
      );
      await assert.rejects(
        importAccount(deps, context, {
          username: "-x",
          passwordHash: importedPasswordHash(bcrypt),
        }),
        { code: "invalid_request" },
      );

      assert.equal(await store.users.countUsers(), 0);
      assert.deepEqual(await types(), []);
    });

    it("refuses a duplicate with username_taken and records nothing more", async () => {
      await createAccount(deps, context, { username: "ann", password: pw });

      await assert.rejects(createAccount(deps, context, { username: "ann", password: pw }), {
        code: "username_taken",
      });
      assert.deepEqual(await types(), ["user.created"]);
    });

    it("records an update only for the fields that changed, and the flag flip on its own", async () => {
      await createAccount(deps, context, { username: "ann", password: pw });

      await changeAccount(deps, context, "ann", { fullName: "Ann" });
      await changeAccount(deps, context, "ann", { disabled: false });
      await changeAccount(deps, context, "ann", { disabled: true });

      assert.deepEqual(await types(), ["user.created", "user.updated", "user.disabled"]);
    });

    it("answers user_not_found for an account that does not exist", async () => {
      await assert.rejects(changeAccount(deps, context, "nobody", { email: null }), {
        code: "user_not_found",
      });
      await assert.rejects(setAccountPassword(deps, context, "nobody", pw), {
        code: "user_not_found",
      });
      await assert.rejects(deleteAccount(deps, context, "nobody"), { code: "user_not_found" });
      assert.deepEqual(await types(), []);
    });

    it("keeps an imported hash as given and records its format", async () => {
      await importAccount(deps, context, {
        username: "old",
        passwordHash: importedPasswordHash(bcrypt),
      });

      assert.equal((await store.users.findByUsername("old"))?.passwordHash, bcrypt);
      const [event] = (await store.audit.list({ limit: 1 })).events;
      assert.deepEqual(event?.details, {
        scopes: "",
        disabled: false,
        source: "import",
        hashFormat: "bcrypt",
      });
    });

    it("refuses an email or full name longer than the admin API allows, from any caller", async () => {
      const long = { email: `${"a".repeat(250)}@b.io`, fullName: "n".repeat(257) };

      await assert.rejects(
        createAccount(deps, context, { username: "ann", password: pw, email: long.email }),
        { code: "invalid_request" },
      );
      await assert.rejects(
        importAccount(deps, context, {
          username: "ann",
          passwordHash: importedPasswordHash(bcrypt),
          fullName: long.fullName,
        }),
        { code: "invalid_request" },
      );
      await createAccount(deps, context, { username: "ann", password: pw });
      await assert.rejects(changeAccount(deps, context, "ann", { fullName: long.fullName }), {
        code: "invalid_request",
      });

      assert.equal((await store.users.findByUsername("ann"))?.fullName, null);
    });

    describe("usernames", () => {
      it("refuses a username differing from an existing one only by case, before hashing", async () => {
        await createAccount(deps, context, { username: "johndoe", password: pw });

        for (const username of ["JOHNDOE", "JohnDoe"]) {
          await assert.rejects(createAccount(deps, context, { username, password: pw }), {
            code: "username_taken",
          });
          await assert.rejects(
            importAccount(deps, context, { username, passwordHash: importedPasswordHash(bcrypt) }),
            { code: "username_taken" },
          );
        }
        assert.deepEqual(await types(), ["user.created"]);
      });
    });

    describe("password policy", () => {
      for (const [label, password] of [
        ["a one-character password", "x"],
        ["a password one character short of the minimum", "fourteen chars"],
        ["a commonly used password of any case", "PasswordPassword"],
      ] as const) {
        it(`refuses ${label} for a new account and a new password, naming no password`, async () => {
          await createAccount(deps, context, { username: "ann", password: pw });

          for (const attempt of [
            createAccount(deps, context, { username: "bob", password }),
            setAccountPassword(deps, context, "ann", password),
          ]) {
            await assert.rejects(attempt, (error: Error) => {
              assert.equal((error as { code?: unknown }).code, "weak_password");
              assert.ok(!error.message.includes(password));
              return true;
            });
          }
          assert.equal(await store.users.findByUsername("bob"), undefined);
          assert.deepEqual(await types(), ["user.created"]);
        });
      }

      it("accepts a password of exactly the minimum length, with no composition rules", async () => {
        await createAccount(deps, context, { username: "ann", password: "fifteen chars x" });
        await setAccountPassword(deps, context, "ann", "all lower case!");
      });

      it("leaves imported hashes to their owners: no policy applies to them", async () => {
        await importAccount(deps, context, {
          username: "old",
          passwordHash: importedPasswordHash(bcrypt),
        });

        assert.ok(await store.users.findByUsername("old"));
      });
    });

    describe("an account acting over the admin API", () => {
      const asRoot: AuditContext = {
        ...context,
        actor: "root",
        actorScopes: ["users:write", "me"],
      };

      beforeEach(async () => {
        await createAccount(deps, context, {
          username: "root",
          password: pw,
          scopes: ["users:write", "me"],
        });
      });

      it("grants only scopes it holds itself, on create and on change", async () => {
        await assert.rejects(
          createAccount(deps, asRoot, { username: "ann", password: pw, scopes: ["audit:read"] }),
          { code: "scope_not_held" },
        );
        await createAccount(deps, asRoot, { username: "ann", password: pw, scopes: ["me"] });
        await assert.rejects(changeAccount(deps, asRoot, "ann", { scopes: ["me", "users:read"] }), {
          code: "scope_not_held",
        });

        assert.deepEqual((await store.users.findByUsername("ann"))?.scopes, ["me"]);
      });

      it("may keep or remove a scope it does not hold, but not add it back", async () => {
        await createAccount(deps, context, {
          username: "ann",
          password: pw,
          scopes: ["me", "audit:read"],
        });

        await changeAccount(deps, asRoot, "ann", { scopes: ["audit:read"] });
        await changeAccount(deps, asRoot, "ann", { scopes: [] });
        await assert.rejects(changeAccount(deps, asRoot, "ann", { scopes: ["audit:read"] }), {
          code: "scope_not_held",
        });
      });

      it("lets the command line grant any scope", async () => {
        await createAccount(deps, context, {
          username: "ann",
          password: pw,
          scopes: ["audit:read"],
        });
      });

      it("cannot disable, delete or take users:write from the last active account holding it", async () => {
        for (const attempt of [
          () => changeAccount(deps, asRoot, "root", { disabled: true }),
          () => changeAccount(deps, asRoot, "root", { scopes: ["me"] }),
          () => deleteAccount(deps, asRoot, "root"),
        ]) {
          await assert.rejects(attempt(), { code: "last_user_admin" });
        }
        const root = await store.users.findByUsername("root");
        assert.equal(root?.disabled, false);
        assert.deepEqual(root?.scopes, ["users:write", "me"]);
      });

      it("counts a disabled holder of users:write as unable to manage users", async () => {
        await createAccount(deps, context, {
          username: "standby",
          password: pw,
          scopes: ["users:write"],
          disabled: true,
        });

        await assert.rejects(deleteAccount(deps, asRoot, "root"), { code: "last_user_admin" });
      });

      it("may step down once another active account holds users:write", async () => {
        await createAccount(deps, context, {
          username: "ann",
          password: pw,
          scopes: ["users:write"],
        });

        await changeAccount(deps, asRoot, "root", { scopes: ["me"] });

        assert.deepEqual((await store.users.findByUsername("root"))?.scopes, ["me"]);
      });
    });
  });
}
