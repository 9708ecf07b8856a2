import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { seedScopes } from "../../../../test/fixtures/seed-scopes.ts";
import { createFixedClock } from "../clock.ts";
import { deriveKeyId } from "../keys/token-keys.ts";
import type { PasswordHash } from "../passwords/hasher.ts";
import { startRefreshFamily } from "../tokens/refresh-tokens.ts";
import { createTokenService } from "../tokens/tokens.ts";
import { exchangeRefreshToken, refreshGrant } from "./refresh-grant.ts";

const policy = { absoluteLifetimeSeconds: 86_400, idleLifetimeSeconds: 3600, reuseGraceSeconds: 0 };

async function setup(clientId: string | null = null) {
  const clock = createFixedClock(Date.UTC(2025, 0, 1));
  const secret = randomBytes(32);
  const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
  const tokens = createTokenService({ key, scopes: seedScopes, clock });
  const store = createMemoryStore({ clock });
  await store.users.createUser({
    username: "johndoe",
    passwordHash: "unused" as PasswordHash,
    scopes: ["me"],
  });
  const deps = {
    users: store.users,
    refreshTokens: store.refreshTokens,
    tokens,
    scopes: seedScopes,
    clock,
    refreshPolicy: policy,
  };
  const presented = await startRefreshFamily(deps, {
    username: "johndoe",
    scopes: seedScopes.all,
    clientId,
  });
  return { store, deps, presented };
}

describe("refreshGrant", () => {
  it("answers a new pair for a live refresh token", async () => {
    const { deps, presented } = await setup();

    const refreshed = await refreshGrant(deps, { refreshToken: presented, scopes: undefined });

    assert.deepEqual(refreshed.scopes, ["me"]);
    assert.notEqual(refreshed.refreshToken, presented);
  });

  it("throws refresh_token_invalid for a spent token, as before exchanges reported outcomes", async () => {
    const { deps, presented } = await setup();
    await refreshGrant(deps, { refreshToken: presented, scopes: undefined });

    await assert.rejects(refreshGrant(deps, { refreshToken: presented, scopes: undefined }), {
      name: "AuthError",
      code: "refresh_token_invalid",
    });
  });
});

describe("exchangeRefreshToken", () => {
  it("reports a token lost to a concurrent revocation as a plain failure, naming its user", async () => {
    const { store, deps, presented } = await setup();
    // The rotation loses a race, and by the time the token is read again it is gone.
    let reads = 0;
    const racing = {
      ...deps,
      refreshTokens: {
        ...store.refreshTokens,
        findRefreshToken: async (hash: string) =>
          reads++ === 0 ? store.refreshTokens.findRefreshToken(hash) : undefined,
        rotateRefreshToken: async () => false,
      },
    };

    const exchange = await exchangeRefreshToken(racing, {
      refreshToken: presented,
      scopes: undefined,
    });

    assert.equal(exchange.ok, false);
    assert.deepEqual(
      exchange.ok ? undefined : [exchange.error.code, exchange.username, exchange.reuseDetected],
      ["refresh_token_invalid", "johndoe", false],
    );
  });

  it("throws what is not an AuthError, such as a store failing", async () => {
    const { store, deps, presented } = await setup();
    const failing = {
      ...deps,
      refreshTokens: {
        ...store.refreshTokens,
        findRefreshToken: async () => {
          throw new Error("database down");
        },
      },
    };

    await assert.rejects(
      exchangeRefreshToken(failing, { refreshToken: presented, scopes: undefined }),
      /database down/,
    );
  });

  it("refuses a family's token presented by another client, and leaves the family alone", async () => {
    const { deps, presented } = await setup("spa");

    const exchange = await exchangeRefreshToken(deps, {
      refreshToken: presented,
      scopes: undefined,
      client: { clientId: "other", audiences: [] },
    });

    assert.equal(exchange.ok ? undefined : exchange.error.code, "refresh_token_invalid");
    const own = await exchangeRefreshToken(deps, {
      refreshToken: presented,
      scopes: undefined,
      client: { clientId: "spa", audiences: [] },
    });
    assert.equal(own.ok, true);
  });

  it("refuses a spent token presented by another client without revoking its family", async () => {
    const { deps, presented } = await setup("spa");
    const spa = { clientId: "spa", audiences: [] };
    const first = await refreshGrant(deps, {
      refreshToken: presented,
      scopes: undefined,
      client: spa,
    });

    const replay = await exchangeRefreshToken(deps, {
      refreshToken: presented,
      scopes: undefined,
      client: { clientId: "other", audiences: [] },
    });

    assert.equal(replay.ok ? undefined : replay.reuseDetected, false);
    const next = await refreshGrant(deps, {
      refreshToken: first.refreshToken,
      scopes: undefined,
      client: spa,
    });
    assert.notEqual(next.refreshToken, first.refreshToken);
  });

  it("refuses a client's family presented without a client", async () => {
    const { deps, presented } = await setup("spa");

    await assert.rejects(refreshGrant(deps, { refreshToken: presented, scopes: undefined }), {
      name: "AuthError",
      code: "refresh_token_invalid",
    });
  });

  it("refuses a client-less family presented by a client", async () => {
    const { deps, presented } = await setup(null);

    await assert.rejects(
      refreshGrant(deps, {
        refreshToken: presented,
        scopes: undefined,
        client: { clientId: "spa", audiences: [] },
      }),
      { name: "AuthError", code: "refresh_token_invalid" },
    );
  });

  it("names the family's client and its audiences in the new access token", async () => {
    const { deps, presented } = await setup("spa");

    const refreshed = await refreshGrant(deps, {
      refreshToken: presented,
      scopes: undefined,
      client: { clientId: "spa", audiences: ["https://app.example.test"] },
    });

    const claims = JSON.parse(
      Buffer.from(refreshed.token.split(".")[1] ?? "", "base64url").toString(),
    ) as Record<string, unknown>;
    assert.equal(claims["client_id"], "spa");
    assert.equal(claims["aud"], "https://app.example.test");
  });
});
