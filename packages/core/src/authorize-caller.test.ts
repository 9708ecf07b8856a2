import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createFastHasher } from "../../../test/fixtures/fast-hasher.ts";
import { items, me, seedScopes } from "../../../test/fixtures/seed-scopes.ts";
import { createTestClients } from "../../../test/fixtures/test-clients.ts";
import { authorizeCaller } from "./authorize-caller.ts";
import { clientSubject } from "./clients/client-authentication.ts";
import { createFixedClock } from "./clock.ts";
import { isAuthError } from "./errors.ts";
import { deriveKeyId } from "./keys/token-keys.ts";
import { createTokenService } from "./tokens/tokens.ts";

const start = Date.UTC(2025, 0, 1);

async function setup() {
  const clock = createFixedClock(start);
  const secret = randomBytes(32);
  const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
  const tokens = createTokenService({ key, scopes: seedScopes, clock, lifetimeSeconds: 60 });
  const store = createMemoryStore({ clock });
  const hasher = createFastHasher();
  const passwordHash = await hasher.hash("secret");
  await hasher.close();
  await store.users.createUser({ username: "johndoe", passwordHash, scopes: ["me"] });
  const clients = createTestClients({ clientId: "reporting", secret: "s", scopes: ["items"] });
  const deps = { users: store.users, tokens, denylist: store.denylist, clients };
  const userToken = tokens.issue("johndoe", [me]).token;
  const clientToken = tokens.issue(clientSubject("reporting"), [items]).token;
  return { deps, tokens, userToken, clientToken };
}

const refusedAs = (code: string) => (error: unknown) => isAuthError(error) && error.code === code;

describe("authorizeCaller", () => {
  it("tells a user from a client by the token's subject", async () => {
    const { deps, userToken, clientToken } = await setup();

    const user = await authorizeCaller(deps, userToken, [me], ["user", "client"]);
    const client = await authorizeCaller(deps, clientToken, [items], ["user", "client"]);

    assert.equal(user.kind === "user" && user.user.username, "johndoe");
    assert.equal(client.kind === "client" && client.client.clientId, "reporting");
    assert.deepEqual(client.scopes, ["items"]);
  });

  it("refuses a client token issued before its client was registered (issue 16)", async () => {
    const { deps, tokens } = await setup();
    const store = createMemoryStore({ clock: createFixedClock(start) });
    await store.clients.createClient({
      clientId: "reissued",
      name: "Registered again",
      type: "confidential",
      secretHash: "hash",
      grantTypes: ["client_credentials"],
      scopes: ["items"],
      redirectUris: [],
      audiences: [],
      firstParty: false,
    });
    const withStore = { ...deps, clients: store.clients };
    const earlier = tokens.issue(clientSubject("reissued"), [items], { issuedAtMs: start - 1 });
    const current = tokens.issue(clientSubject("reissued"), [items], { issuedAtMs: start });

    await assert.rejects(
      async () => authorizeCaller(withStore, earlier.token, [items], ["client"]),
      refusedAs("token_invalid"),
    );
    const caller = await authorizeCaller(withStore, current.token, [items], ["client"]);
    assert.equal(caller.kind, "client");
  });

  it("refuses a kind the resource does not accept as an invalid token", async () => {
    const { deps, userToken, clientToken } = await setup();

    await assert.rejects(
      async () => authorizeCaller(deps, userToken, [], ["client"]),
      refusedAs("token_invalid"),
    );
    assert.throws(
      () => authorizeCaller(deps, clientToken, [], ["user"]),
      refusedAs("token_invalid"),
    );
  });
});
