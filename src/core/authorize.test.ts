import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createFastHasher } from "../../test/fixtures/fast-hasher.ts";
import { items, me, seedScopes } from "../../test/fixtures/seed-scopes.ts";
import { createMemoryStore } from "../storage/memory.ts";
import { authorize } from "./authorize.ts";
import { createFixedClock } from "./clock.ts";
import type { PasswordHash } from "./passwords.ts";
import { deriveKeyId } from "./token-keys.ts";
import { createTokenService } from "./tokens.ts";
import type { NewUser } from "./users.ts";

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
    for (const user of users) await store.createUser({ passwordHash, ...user });
    return { clock, tokens, store, deps: { users: store, tokens, denylist: store } };
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
      ...store,
      findByUsername: async (username: string) => {
        await asked;
        return store.findByUsername(username);
      },
    };
    const denylist = {
      ...store,
      isAccessTokenDenied: (tokenId: string) => {
        denylistAsked();
        return store.isAccessTokenDenied(tokenId);
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

    await assert.rejects(authorize(deps, "not-a-token", []), {
      name: "AuthError",
      code: "token_invalid",
    });
  });

  it("refuses a token whose subject never existed as token_invalid", async () => {
    const { tokens, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("ghost", [me]);

    await assert.rejects(authorize(deps, token, [me]), {
      name: "AuthError",
      code: "token_invalid",
    });
  });

  it("refuses a token for a user who was deleted after it was issued as token_invalid", async () => {
    const { tokens, store, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me]);
    await store.deleteUser("johndoe");

    await assert.rejects(authorize(deps, token, [me]), {
      name: "AuthError",
      code: "token_invalid",
    });
  });

  it("refuses a token lacking a required scope as insufficient_scope", async () => {
    const { tokens, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me]);

    await assert.rejects(authorize(deps, token, [me, items]), {
      name: "AuthError",
      code: "insufficient_scope",
    });
  });

  it("refuses a token for a user who was disabled after it was issued as inactive_user", async () => {
    const { tokens, store, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me]);
    await store.updateUser("johndoe", { disabled: true });

    await assert.rejects(authorize(deps, token, [me]), {
      name: "AuthError",
      code: "inactive_user",
    });
  });

  it("reports insufficient_scope before inactive_user when both apply (the seed's order)", async () => {
    const { tokens, deps } = await setup({ username: "alice", disabled: true });
    const { token } = tokens.issue("alice", [me]);

    await assert.rejects(authorize(deps, token, [items]), {
      name: "AuthError",
      code: "insufficient_scope",
    });
  });

  it("reports token_invalid before insufficient_scope for an unknown subject", async () => {
    const { tokens, deps } = await setup();
    const { token } = tokens.issue("ghost", []);

    await assert.rejects(authorize(deps, token, [me]), {
      name: "AuthError",
      code: "token_invalid",
    });
  });

  it("refuses an expired token as token_expired", async () => {
    const { tokens, clock, deps } = await setup({ username: "johndoe" });
    const { token } = tokens.issue("johndoe", [me]);
    clock.advance(60_000);

    await assert.rejects(authorize(deps, token, [me]), {
      name: "AuthError",
      code: "token_expired",
    });
  });

  it("uses the user as stored now, not as when the token was issued", async () => {
    const { tokens, store, deps } = await setup({ username: "johndoe", fullName: "John Doe" });
    const { token } = tokens.issue("johndoe", [me]);
    await store.updateUser("johndoe", { fullName: "Johnny Doe" });

    const principal = await authorize(deps, token, [me]);

    assert.equal(principal.user.fullName, "Johnny Doe");
  });
});
