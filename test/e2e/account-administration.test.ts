// The account functions of the core on the memory store: what each change writes to the audit trail.
import assert from "node:assert/strict";
import { after, beforeEach, describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { importedPasswordHash } from "gatehouse-auth-core/passwords/hash-formats";
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

describe("account administration", () => {
  const hasher = createFastHasher();
  let store: Store;
  let deps: UserAdminDeps;
  const types = async (): Promise<string[]> =>
    (await store.audit.list({ limit: 50 })).events.map((e) => e.type).reverse();

  beforeEach(() => {
    const clock = createFixedClock(Date.UTC(2026, 0, 1));
    store = createMemoryStore({ clock });
    deps = {
      users: store.users,
      hasher,
      audit: store.audit,
      scopes,
      refreshTokens: store.refreshTokens,
      clock,
    };
  });
  after(() => hasher.close());

  it("records who created an account, from where and in which request", async () => {
    await createAccount(deps, context, { username: "ann", password: "pw", scopes: ["me"] });

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
    await assert.rejects(createAccount(deps, context, { username: "-x", password: "pw" }), {
      code: "invalid_request",
    });
    await assert.rejects(createAccount(deps, context, { username: "ann", password: "" }), {
      code: "invalid_request",
    });
    await assert.rejects(
      createAccount(deps, context, { username: "ann", password: "pw", scopes: ["root"] }),
      { code: "invalid_scope" },
    );
    await assert.rejects(
      importAccount(deps, context, { username: "-x", passwordHash: importedPasswordHash(bcrypt) }),
      { code: "invalid_request" },
    );

    assert.equal(await store.users.countUsers(), 0);
    assert.deepEqual(await types(), []);
  });

  it("refuses a duplicate with username_taken and records nothing more", async () => {
    await createAccount(deps, context, { username: "ann", password: "pw" });

    await assert.rejects(createAccount(deps, context, { username: "ann", password: "pw" }), {
      code: "username_taken",
    });
    assert.deepEqual(await types(), ["user.created"]);
  });

  it("records an update only for the fields that changed, and the flag flip on its own", async () => {
    await createAccount(deps, context, { username: "ann", password: "pw" });

    await changeAccount(deps, context, "ann", { fullName: "Ann" });
    await changeAccount(deps, context, "ann", { disabled: false });
    await changeAccount(deps, context, "ann", { disabled: true });

    assert.deepEqual(await types(), ["user.created", "user.updated", "user.disabled"]);
  });

  it("answers user_not_found for an account that does not exist", async () => {
    await assert.rejects(changeAccount(deps, context, "nobody", { email: null }), {
      code: "user_not_found",
    });
    await assert.rejects(setAccountPassword(deps, context, "nobody", "pw"), {
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
});
