import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { seedScopes } from "../../../../test/fixtures/seed-scopes.ts";
import {
  generateAuthorizationCode,
  hashAuthorizationCode,
} from "../authorization/authorization-codes.ts";
import { s256CodeChallenge } from "../authorization/pkce.ts";
import type { ClientRecord } from "../clients/client.ts";
import { createFixedClock } from "../clock.ts";
import { deriveKeyId } from "../keys/token-keys.ts";
import type { PasswordHash } from "../passwords/hasher.ts";
import { defaultRefreshPolicy, hashRefreshToken } from "../tokens/refresh-tokens.ts";
import { createTokenService } from "../tokens/tokens.ts";
import { logoutEverywhere } from "../users/user-lifecycle.ts";
import { redeemAuthorizationCode } from "./authorization-code-grant.ts";

const start = Date.UTC(2025, 0, 1);
const verifier = randomBytes(32).toString("base64url");
const client: ClientRecord = {
  clientId: "spa",
  name: "SPA",
  type: "public",
  grantTypes: ["authorization_code"],
  scopes: ["me", "items"],
  redirectUris: ["https://spa.example/cb"],
  audiences: ["https://api.example"],
  firstParty: false,
  disabled: false,
  createdAt: 0,
  updatedAt: 0,
  secretHash: null,
  previousSecretHash: null,
  previousSecretExpiresAt: null,
  jwks: null,
};

async function setup(userScopes: readonly string[] = ["me", "items"]) {
  const clock = createFixedClock(start);
  const store = createMemoryStore({ clock });
  const secret = randomBytes(32);
  const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
  const tokens = createTokenService({ key, scopes: seedScopes, clock });
  await store.users.createUser({
    username: "johndoe",
    passwordHash: "x" as PasswordHash,
    scopes: userScopes,
  });
  const code = generateAuthorizationCode();
  await store.authorizationCodes.createAuthorizationCode({
    codeHash: hashAuthorizationCode(code),
    clientId: "spa",
    redirectUri: "https://spa.example/cb",
    codeChallenge: s256CodeChallenge(verifier),
    scopes: ["me", "items"],
    username: "johndoe",
    authTime: start,
    createdAt: start,
    expiresAt: start + 60_000,
  });
  const deps = {
    users: store.users,
    tokens,
    scopes: seedScopes,
    authorizationCodes: store.authorizationCodes,
    denylist: store.denylist,
    refreshTokens: store.refreshTokens,
    clock,
    refreshPolicy: defaultRefreshPolicy,
  };
  const redeem = (over: Partial<Parameters<typeof redeemAuthorizationCode>[1]> = {}) =>
    redeemAuthorizationCode(deps, {
      client,
      code,
      redirectUri: "https://spa.example/cb",
      codeVerifier: verifier,
      ...over,
    });
  return { store, tokens, clock, redeem, deps };
}

describe("redeemAuthorizationCode", () => {
  it("issues tokens for the approved scopes the user still holds, with the client's id and audience", async () => {
    const { redeem, tokens, store } = await setup(["me"]);

    const exchange = await redeem();

    assert.equal(exchange.ok, true);
    if (!exchange.ok) return;
    assert.deepEqual(exchange.tokens.scopes, ["me"]);
    const verified = tokens.verify(exchange.tokens.token);
    assert.equal(verified.subject, "johndoe");
    const family = await store.refreshTokens.findRefreshToken(
      hashRefreshToken(exchange.tokens.refreshToken ?? ""),
    );
    assert.equal(family?.clientId, "spa");
  });

  it("refuses a client not allowed the grant any more", async () => {
    const { redeem } = await setup();

    const exchange = await redeem({ client: { ...client, grantTypes: ["password"] } });

    assert.equal(exchange.ok ? "" : exchange.error.code, "unauthorized_client");
  });

  it("refuses a code after the user logged out everywhere", async () => {
    const { redeem, deps, clock } = await setup();
    clock.advance(1);
    await logoutEverywhere(deps, "johndoe");

    const exchange = await redeem();

    assert.equal(exchange.ok ? "" : exchange.error.code, "authorization_code_invalid");
  });

  it("refuses a code whose user was deleted and created again", async () => {
    const { redeem, store, clock } = await setup();
    await store.users.deleteUser("johndoe");
    clock.advance(1);
    await store.users.createUser({ username: "johndoe", passwordHash: "x" as PasswordHash });

    const exchange = await redeem();

    assert.equal(exchange.ok, false);
  });

  it("revokes the first redemption's family and access token when the code comes again", async () => {
    const { redeem, store } = await setup();
    const first = await redeem();
    assert.ok(first.ok);

    const second = await redeem();

    assert.equal(second.ok ? false : second.reuseDetected, true);
    assert.equal(await store.denylist.isAccessTokenDenied(first.tokens.tokenId), true);
  });

  it("lets one of many simultaneous redemptions win, and revokes it, in 60 trials", async () => {
    for (let trial = 0; trial < 60; trial++) {
      const { redeem, store } = await setup();

      const exchanges = await Promise.all([redeem(), redeem(), redeem()]);

      const won = exchanges.filter((exchange) => exchange.ok);
      assert.ok(won.length <= 1, `trial ${trial}`);
      for (const exchange of won) {
        if (exchange.ok) {
          assert.equal(await store.denylist.isAccessTokenDenied(exchange.tokens.tokenId), true);
        }
      }
    }
  });
});
