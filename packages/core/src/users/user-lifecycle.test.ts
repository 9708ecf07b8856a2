import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { seedScopes } from "../../../../test/fixtures/seed-scopes.ts";
import { authorize } from "../authorize.ts";
import { createFixedClock } from "../clock.ts";
import { refreshGrant } from "../grants/refresh-grant.ts";
import { deriveKeyId } from "../keys/token-keys.ts";
import type { PasswordHash } from "../passwords/hasher.ts";
import { startRefreshFamily } from "../tokens/refresh-tokens.ts";
import { createTokenService } from "../tokens/tokens.ts";
import { logoutEverywhere } from "./user-lifecycle.ts";

const start = Date.UTC(2025, 0, 1);
const policy = { absoluteLifetimeSeconds: 86_400, idleLifetimeSeconds: 3600, reuseGraceSeconds: 0 };

// Two instances sharing one store: `refresher` answers the refresh, `logout` the logout.
async function twoInstances(refresherAhead: number) {
  const secret = randomBytes(32);
  const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
  const logoutClock = createFixedClock(start);
  const refresherClock = createFixedClock(start + refresherAhead);
  const store = createMemoryStore({ clock: logoutClock });
  await store.users.createUser({
    username: "johndoe",
    passwordHash: "unused" as PasswordHash,
    scopes: ["me"],
  });
  const refresher = {
    users: store.users,
    refreshTokens: store.refreshTokens,
    tokens: createTokenService({ key, scopes: seedScopes, clock: refresherClock }),
    scopes: seedScopes,
    clock: refresherClock,
    refreshPolicy: policy,
  };
  const logout = { ...refresher, clock: logoutClock };
  const presented = await startRefreshFamily(refresher, {
    username: "johndoe",
    scopes: seedScopes.all,
    clientId: null,
  });
  return { store, refresher, logout, presented };
}

describe("logoutEverywhere", () => {
  for (const [ahead, when] of [
    [0, "in the same millisecond"],
    [5000, "on an instance whose clock is 5 s ahead"],
  ] as const) {
    it(`refuses the access token of a refresh that got in just before it, ${when}`, async () => {
      const { store, refresher, logout, presented } = await twoInstances(ahead);
      const refreshed = await refreshGrant(refresher, {
        refreshToken: presented,
        scopes: undefined,
      });

      await logoutEverywhere(logout, "johndoe");

      await assert.rejects(
        Promise.resolve(authorize({ ...refresher, denylist: store.denylist }, refreshed.token, [])),
        { name: "AuthError", code: "token_invalid" },
      );
    });
  }

  it("refuses a refresh that comes after it", async () => {
    const { refresher, logout, presented } = await twoInstances(0);

    await logoutEverywhere(logout, "johndoe");

    await assert.rejects(refreshGrant(refresher, { refreshToken: presented, scopes: undefined }), {
      code: "refresh_token_invalid",
    });
  });
});
