import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createFastHasher } from "../../../../test/fixtures/fast-hasher.ts";
import { items, me, seedScopes } from "../../../../test/fixtures/seed-scopes.ts";
import { createFixedClock } from "../clock.ts";
import { deriveKeyId } from "../keys/token-keys.ts";
import type { PasswordHash } from "../passwords/hasher.ts";
import { createTokenService } from "../tokens/tokens.ts";
import { passwordGrant } from "./password-grant.ts";

const start = Date.UTC(2025, 0, 1);
const scopes = seedScopes;

describe("passwordGrant", () => {
  const hasher = createFastHasher();
  let passwordHash: PasswordHash;
  before(async () => {
    passwordHash = await hasher.hash("secret");
  });
  after(() => hasher.close());

  async function setup(allowed: readonly string[]) {
    const clock = createFixedClock(start);
    const secret = randomBytes(32);
    const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
    const tokens = createTokenService({ key, scopes, clock });
    const { users } = createMemoryStore({ clock });
    await users.createUser({ username: "johndoe", passwordHash, scopes: allowed });
    return { tokens, deps: { users, hasher, tokens, scopes } };
  }

  it("issues a token for the user, verifiable by the same service", async () => {
    const { tokens, deps } = await setup(["me"]);

    const issued = await passwordGrant(deps, {
      username: "johndoe",
      password: "secret",
      scopes: [me],
    });

    const verified = tokens.verify(issued.token);
    assert.equal(verified.subject, "johndoe");
    assert.equal(verified.tokenId, issued.tokenId);
    assert.equal(issued.expiresIn, 1800);
  });

  it("grants every scope the user is allowed when none is requested, in catalogue order", async () => {
    const { tokens, deps } = await setup(["items", "me"]);

    const issued = await passwordGrant(deps, {
      username: "johndoe",
      password: "secret",
      scopes: undefined,
    });

    assert.deepEqual(issued.scopes, ["me", "items"]);
    assert.deepEqual(tokens.verify(issued.token).scopes, ["me", "items"]);
  });

  it("grants the requested scopes the user is allowed", async () => {
    const { deps } = await setup(["me", "items"]);

    const issued = await passwordGrant(deps, {
      username: "johndoe",
      password: "secret",
      scopes: [items],
    });

    assert.deepEqual(issued.scopes, ["items"]);
  });

  it("drops a requested scope the user is not allowed", async () => {
    const { tokens, deps } = await setup(["me"]);

    const issued = await passwordGrant(deps, {
      username: "johndoe",
      password: "secret",
      scopes: [me, items],
    });

    assert.deepEqual(issued.scopes, ["me"]);
    assert.deepEqual(tokens.verify(issued.token).scopes, ["me"]);
  });

  it("grants no scopes when an explicitly empty list is requested", async () => {
    const { deps } = await setup(["me", "items"]);

    const issued = await passwordGrant(deps, {
      username: "johndoe",
      password: "secret",
      scopes: [],
    });

    assert.deepEqual(issued.scopes, []);
  });

  it("never grants a scope the user is allowed that is no longer in the catalogue", async () => {
    const { tokens, deps } = await setup(["me", "admin"]);

    const issued = await passwordGrant(deps, {
      username: "johndoe",
      password: "secret",
      scopes: undefined,
    });

    assert.deepEqual(issued.scopes, ["me"]);
    assert.deepEqual(tokens.verify(issued.token).scopes, ["me"]);
  });

  it("refuses a wrong password as invalid_credentials", async () => {
    const { deps } = await setup(["me"]);

    await assert.rejects(
      passwordGrant(deps, { username: "johndoe", password: "wrong", scopes: undefined }),
      { name: "AuthError", code: "invalid_credentials" },
    );
  });

  it("refuses an unknown user as invalid_credentials", async () => {
    const { deps } = await setup(["me"]);

    await assert.rejects(
      passwordGrant(deps, { username: "janedoe", password: "secret", scopes: undefined }),
      { name: "AuthError", code: "invalid_credentials" },
    );
  });

  it("refuses a disabled user with the right password as inactive_user", async () => {
    const { deps } = await setup(["me"]);
    await deps.users.updateUser("johndoe", { disabled: true });

    await assert.rejects(
      passwordGrant(deps, { username: "johndoe", password: "secret", scopes: undefined }),
      { name: "AuthError", code: "inactive_user" },
    );
  });
});
