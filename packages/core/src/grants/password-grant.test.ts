import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createFastHasher } from "../../../../test/fixtures/fast-hasher.ts";
import { items, me, seedScopes } from "../../../../test/fixtures/seed-scopes.ts";
import { createFixedClock } from "../clock.ts";
import { deriveKeyId } from "../keys/token-keys.ts";
import type { PasswordHash, PasswordHasher } from "../passwords/hasher.ts";
import type { RefreshPolicy } from "../tokens/refresh-tokens.ts";
import { hashRefreshToken } from "../tokens/refresh-tokens.ts";
import { createTokenService } from "../tokens/tokens.ts";
import { changePassword, disableUser, logoutEverywhere } from "../users/user-lifecycle.ts";
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

  describe("racing a cut-off, with refresh tokens", () => {
    const refreshPolicy: RefreshPolicy = {
      absoluteLifetimeSeconds: 86_400,
      idleLifetimeSeconds: 3600,
      reuseGraceSeconds: 0,
    };

    // The login's password check runs `during` once: after the login read the account, before it
    // stores its refresh family — the window a concurrent cut-off used to slip through.
    async function racingSetup(during: (deps: RacingDeps) => Promise<unknown>) {
      const clock = createFixedClock(start);
      const secret = randomBytes(32);
      const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
      const tokens = createTokenService({ key, scopes, clock });
      const store = createMemoryStore({ clock });
      await store.users.createUser({ username: "johndoe", passwordHash, scopes: ["me"] });
      const lifecycle = { users: store.users, refreshTokens: store.refreshTokens, clock };
      let pending: ((deps: RacingDeps) => Promise<unknown>) | undefined = during;
      const racingHasher: PasswordHasher = {
        ...hasher,
        hash: (password) => hasher.hash(password),
        dummyHash: () => hasher.dummyHash(),
        async verify(hash, password) {
          const check = await hasher.verify(hash, password);
          const run = pending;
          pending = undefined;
          clock.advance(5);
          await run?.(lifecycle);
          clock.advance(5);
          return check;
        },
      };
      const deps = {
        users: store.users,
        hasher: racingHasher,
        tokens,
        scopes,
        refresh: { refreshTokens: store.refreshTokens, clock, refreshPolicy },
      };
      return { store, deps };
    }
    type RacingDeps = Parameters<typeof logoutEverywhere>[0];
    const login = { username: "johndoe", password: "secret", scopes: undefined };

    it("refuses a login overtaken by a log out everywhere", async () => {
      const { deps } = await racingSetup((d) => logoutEverywhere(d, "johndoe"));

      await assert.rejects(passwordGrant(deps, login), {
        name: "AuthError",
        code: "invalid_credentials",
      });
      // The account was not locked out: the next login works.
      assert.deepEqual((await passwordGrant(deps, login)).scopes, ["me"]);
    });

    it("refuses a login with the old password overtaken by a password change", async () => {
      const next = await hasher.hash("another password");
      const { deps } = await racingSetup((d) => changePassword(d, "johndoe", next));

      await assert.rejects(passwordGrant(deps, login), {
        name: "AuthError",
        code: "invalid_credentials",
      });
    });

    it("refuses a login overtaken by a disable as inactive_user", async () => {
      const { deps } = await racingSetup((d) => disableUser(d, "johndoe"));

      await assert.rejects(passwordGrant(deps, login), {
        name: "AuthError",
        code: "inactive_user",
      });
    });

    it("refuses a login overtaken by the account's deletion and re-creation", async () => {
      const { deps } = await racingSetup(async (d) => {
        await d.users.deleteUser("johndoe");
        await d.users.createUser({ username: "johndoe", passwordHash, scopes: ["me"] });
      });

      await assert.rejects(passwordGrant(deps, login), {
        name: "AuthError",
        code: "invalid_credentials",
      });
    });

    it("stamps the access token with the time its refresh family was stored", async () => {
      const { store, deps } = await racingSetup(async () => {});

      const issued = await passwordGrant(deps, login);

      const stored = await store.refreshTokens.findRefreshToken(
        hashRefreshToken(issued.refreshToken ?? ""),
      );
      assert.equal(deps.tokens.verify(issued.token).issuedAtMs, stored?.issuedAt);
    });
  });
});
