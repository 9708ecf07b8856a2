import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createSqliteStore } from "gatehouse-auth/storage/sqlite/store";
import { createFastHasher } from "../../../test/fixtures/fast-hasher.ts";
import { items, me, seedScopes } from "../../../test/fixtures/seed-scopes.ts";
import type { AuthorizeDeps, Principal } from "./authorize.ts";
import { authorize } from "./authorize.ts";
import { createFixedClock } from "./clock.ts";
import { deriveKeyId } from "./keys/token-keys.ts";
import type { PasswordHash } from "./passwords/hasher.ts";
import { createTokenService } from "./tokens/tokens.ts";
import type { NewUser } from "./users/user.ts";

const start = Date.UTC(2025, 0, 1);
const scopes = seedScopes;

describe("authorize", () => {
  const hasher = createFastHasher();
  let passwordHash: PasswordHash;
  before(async () => {
    passwordHash = await hasher.hash("secret");
  });
  after(() => hasher.close());

  async function setup(...users: ReadonlyArray<Partial<NewUser> & { username: string }>) {
    const clock = createFixedClock(start);
    const secret = randomBytes(32);
    const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
    const tokens = createTokenService({ key, scopes, clock, lifetimeSeconds: 60 });
    const store = createMemoryStore({ clock });
    for (const user of users) {
      await store.users.createUser({ passwordHash, scopes: ["me", "items"], ...user });
    }
    return { clock, tokens, store, deps: { users: store.users, tokens, denylist: store.denylist } };
  }

  it("turns a valid token into a principal with the user, the token's scopes and its claims", async () => {
    const { tokens, deps } = await setup({
      username: "johndoe",
      email: "johndoe@example.com",
      fullName: "John Doe",
      scopes: ["me", "items"],
    });
    const issued = tokens.issue("johndoe", [me, items]);

    const principal = await authorize(deps, issued.token, [me]);

    assert.deepEqual(principal.user, {
      username: "johndoe",
      email: "johndoe@example.com",
      fullName: "John Doe",
      disabled: false,
      scopes: ["me", "items"],
    });
    assert.deepEqual(principal.scopes, ["me", "items"]);
    assert.equal(principal.token.tokenId, issued.tokenId);
  });

  it("reads the user and the denylist at once, not one after the other", {
    timeout: 5000,
  }, async () => {
    const { tokens, store, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", []);
    let denylistAsked!: () => void;
    const asked = new Promise<void>((resolve) => {
      denylistAsked = resolve;
    });
    // The user read answers only once the denylist was asked: one after the other never finishes.
    const users = {
      ...store.users,
      findByUsername: async (username: string) => {
        await asked;
        return store.users.findByUsername(username);
      },
    };
    const denylist = {
      ...store.denylist,
      isAccessTokenDenied: (tokenId: string) => {
        denylistAsked();
        return store.denylist.isAccessTokenDenied(tokenId);
      },
    };

    const principal = await authorize({ ...deps, users, denylist }, token, []);

    assert.equal(principal.user.username, "johndoe");
  });

  it("never puts the password hash in the principal", async () => {
    const { tokens, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", []);

    const principal = await authorize(deps, token, []);

    assert.equal("passwordHash" in principal.user, false);
  });

  it("accepts a token with every required scope", async () => {
    const { tokens, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me, items]);

    const principal = await authorize(deps, token, [items, me]);

    assert.equal(principal.user.username, "johndoe");
  });

  it("refuses a malformed token as token_invalid", async () => {
    const { deps } = await setup({ username: "johndoe" });

    await assert.rejects(async () => authorize(deps, "not-a-token", []), {
      name: "AuthError",
      code: "token_invalid",
    });
  });

  it("refuses a token whose subject never existed as token_invalid", async () => {
    const { tokens, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("ghost", [me]);

    await assert.rejects(async () => authorize(deps, token, [me]), {
      name: "AuthError",
      code: "token_invalid",
    });
  });

  it("refuses a token for a user who was deleted after it was issued as token_invalid", async () => {
    const { tokens, store, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me]);
    await store.users.deleteUser("johndoe");

    await assert.rejects(async () => authorize(deps, token, [me]), {
      name: "AuthError",
      code: "token_invalid",
    });
  });

  it("refuses a token lacking a required scope as insufficient_scope", async () => {
    const { tokens, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me]);

    await assert.rejects(async () => authorize(deps, token, [me, items]), {
      name: "AuthError",
      code: "insufficient_scope",
    });
  });

  it("refuses a token for a user who was disabled after it was issued as inactive_user", async () => {
    const { tokens, store, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me]);
    await store.users.updateUser("johndoe", { disabled: true });

    await assert.rejects(async () => authorize(deps, token, [me]), {
      name: "AuthError",
      code: "inactive_user",
    });
  });

  it("reports insufficient_scope before inactive_user when both apply (the seed's order)", async () => {
    const { tokens, deps } = await setup({ username: "alice", disabled: true });
    const { token } = tokens.issue("alice", [me]);

    await assert.rejects(async () => authorize(deps, token, [items]), {
      name: "AuthError",
      code: "insufficient_scope",
    });
  });

  it("reports token_invalid before insufficient_scope for an unknown subject", async () => {
    const { tokens, deps } = await setup();
    const { token } = tokens.issue("ghost", []);

    await assert.rejects(async () => authorize(deps, token, [me]), {
      name: "AuthError",
      code: "token_invalid",
    });
  });

  it("refuses an expired token as token_expired", async () => {
    const { tokens, clock, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me]);
    clock.advance(60_000);

    await assert.rejects(async () => authorize(deps, token, [me]), {
      name: "AuthError",
      code: "token_expired",
    });
  });

  it("caps the token's scopes by the user's current ones, and honours one given back", async () => {
    const { tokens, store, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me, items]);
    await store.users.updateUser("johndoe", { scopes: ["me"] });

    const principal = await authorize(deps, token, [me]);
    await assert.rejects(async () => authorize(deps, token, [items]), {
      name: "AuthError",
      code: "insufficient_scope",
    });
    await store.users.updateUser("johndoe", { scopes: ["me", "items"] });

    assert.deepEqual(principal.scopes, ["me"]);
    assert.deepEqual((await authorize(deps, token, [items])).scopes, ["me", "items"]);
  });

  it("refuses a token of an earlier account of the same username as token_invalid", async () => {
    const { tokens, store, clock, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me]);
    clock.advance(1);
    await store.users.deleteUser("johndoe");
    await store.users.createUser({ username: "johndoe", passwordHash, scopes: ["me"] });

    await assert.rejects(async () => authorize(deps, token, [me]), {
      name: "AuthError",
      code: "token_invalid",
    });
  });

  it("uses the user as stored now, not as when the token was issued", async () => {
    const { tokens, store, deps } = await setup({ username: "johndoe", fullName: "John Doe" });
    const { token } = tokens.issue("johndoe", [me]);
    await store.users.updateUser("johndoe", { fullName: "Johnny Doe" });

    const principal = await authorize(deps, token, [me]);

    assert.equal(principal.user.fullName, "Johnny Doe");
  });
});

describe("authorize, answering at once where it can", () => {
  const hasher = createFastHasher();
  after(() => hasher.close());

  // SQLite answers the two reads at once; the wrapper answers them through promises, as
  // PostgreSQL does.
  async function setup() {
    const clock = createFixedClock(start);
    const secret = randomBytes(32);
    const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
    const tokens = createTokenService({ key, scopes, clock, lifetimeSeconds: 60 });
    const store = createSqliteStore({ path: ":memory:", clock });
    const passwordHash = await hasher.hash("secret");
    await store.users.createUser({ username: "johndoe", passwordHash, scopes: ["me"] });
    await store.users.createUser({
      username: "alice",
      passwordHash,
      disabled: true,
      scopes: ["me"],
    });
    const later: AuthorizeDeps = {
      tokens,
      users: { ...store.users, findByUsername: async (name) => store.users.findByUsername(name) },
      denylist: {
        ...store.denylist,
        isAccessTokenDenied: async (id) => store.denylist.isAccessTokenDenied(id),
      },
    };
    return { tokens, store, now: { users: store.users, tokens, denylist: store.denylist }, later };
  }

  it("answers at once, with no promise, when the token verifies and the stores answer at once", async () => {
    const { tokens, store, now } = await setup();
    const { token } = tokens.issue("johndoe", [me]);

    const principal = authorize(now, token, [me]);

    assert.equal(principal instanceof Promise, false);
    assert.equal((principal as Principal).user.username, "johndoe");
    await store.close();
  });

  it("throws at once, as the promise would reject, for an inactive user or a missing scope", async () => {
    const { tokens, store, now, later } = await setup();
    const alice = tokens.issue("alice", [me]).token;
    const narrow = tokens.issue("johndoe", []).token;

    assert.throws(() => authorize(now, alice, [me]), { code: "inactive_user" });
    assert.throws(() => authorize(now, narrow, [me]), { code: "insufficient_scope" });
    await assert.rejects(async () => authorize(later, alice, [me]), { code: "inactive_user" });
    await assert.rejects(async () => authorize(later, narrow, [me]), {
      code: "insufficient_scope",
    });
    await store.close();
  });

  it("refuses a token revoked a moment ago, at once as through a promise", async () => {
    const { tokens, store, now, later } = await setup();
    const issued = tokens.issue("johndoe", [me]);
    // Accepted first, so the store's read memo holds the answer the revocation must replace.
    assert.equal((authorize(now, issued.token, [me]) as Principal).user.username, "johndoe");
    await store.denylist.denyAccessToken(issued.tokenId, start + issued.expiresIn * 1000, start);

    assert.throws(() => authorize(now, issued.token, [me]), { code: "token_invalid" });
    await assert.rejects(async () => authorize(later, issued.token, [me]), {
      code: "token_invalid",
    });
    await store.close();
  });

  it("gives a promise, with the same principal, when a store answers with one", async () => {
    const { tokens, store, now, later } = await setup();
    const { token } = tokens.issue("johndoe", [me]);

    const pending = authorize(later, token, [me]);

    assert.equal(pending instanceof Promise, true);
    assert.deepEqual(await pending, authorize(now, token, [me]));
    await store.close();
  });

  it("gives a rejected promise, never a throw, for a token that does not verify", async () => {
    const { store, now } = await setup();

    const refused = authorize(now, "not-a-token", []);

    assert.ok(refused instanceof Promise);
    await assert.rejects(refused, { code: "token_invalid" });
    await store.close();
  });
});
