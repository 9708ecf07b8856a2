// A user's token issued to a registered client follows that client as the registry holds it now:
// refused once the client is disabled or deleted, and its scopes capped by the client's.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import type { TestClients } from "../../../../../test/fixtures/test-clients.ts";
import { createTestClients } from "../../../../../test/fixtures/test-clients.ts";

describe("a user's token issued to a registered client", () => {
  let t: TestApp;
  let clients: TestClients;

  beforeEach(async () => {
    clients = createTestClients({
      clientId: "mobile",
      grantTypes: ["password", "refresh_token"],
      scopes: ["me", "items"],
      firstParty: true,
    });
    t = await makeTestApp({ clients });
  });

  afterEach(async () => {
    await t.close();
  });

  async function logIn(clientId?: string): Promise<string> {
    const response = await t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({
        username: "johndoe",
        password: "secret",
        scope: "me items",
        ...(clientId === undefined ? {} : { client_id: clientId }),
      }),
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access_token: string }).access_token;
  }

  const me = (token: string) =>
    t.app.request("/users/me/", { headers: { authorization: `Bearer ${token}` } });
  const items = (token: string) =>
    t.app.request("/users/me/items/", { headers: { authorization: `Bearer ${token}` } });

  it("works while its client is enabled", async () => {
    assert.equal((await me(await logIn("mobile"))).status, 200);
  });

  it("is refused once its client is disabled, and works again when it is enabled", async () => {
    const token = await logIn("mobile");
    clients.change("mobile", { disabled: true });
    assert.equal((await me(token)).status, 401);
    clients.change("mobile", { disabled: false });
    assert.equal((await me(token)).status, 200);
  });

  it("is refused once its client is deleted, even if one of that id is registered later", async () => {
    const token = await logIn("mobile");
    clients.remove("mobile");
    assert.equal((await me(token)).status, 401);
    clients.add({ clientId: "mobile", scopes: ["me", "items"], firstParty: true });
    clients.change("mobile", { createdAt: t.clock.now() + 1000 });
    assert.equal((await me(token)).status, 401);
  });

  it("loses a scope its client is no longer allowed", async () => {
    const token = await logIn("mobile");
    assert.equal((await items(token)).status, 200);
    clients.change("mobile", { scopes: ["me"] });
    assert.equal((await items(token)).status, 403);
    assert.equal((await me(token)).status, 200);
  });

  it("leaves the client-less login's tokens alone", async () => {
    const token = await logIn();
    clients.change("mobile", { disabled: true });
    assert.equal((await me(token)).status, 200);
  });
});
