// The guard reads a user token's client at once — on PostgreSQL from the instance's cache, which
// the change feed keeps current, on SQLite from the memo its change stamp keeps current — and a
// client disabled, narrowed or deleted through one instance is honoured by another.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { createFastHasher } from "../../../../../test/fixtures/fast-hasher.ts";
import {
  describeOnEachDatabase,
  requirePostgres,
} from "../../../../../test/fixtures/postgres-database.ts";
import type { Services } from "../../service/compose.ts";
import { composeServices } from "../../service/compose.ts";
import { loadSettings } from "../../service/config.ts";
import { createApp } from "../app.ts";
import type { OpenApiApp } from "../openapi.ts";

const skipPostgres = await requirePostgres();

/** Waits until `check` holds, polling every 5 ms; fails after `limitMs`. */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<void> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limitMs) assert.fail(`not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describeOnEachDatabase("gatehouse-client-bound-", skipPostgres, (databaseUrl) => {
  let a: Services;
  let b: Services;
  let appA: OpenApiApp;
  let appB: OpenApiApp;

  before(async () => {
    const settings = loadSettings({
      GATEHOUSE_DATABASE_URL: databaseUrl(),
      GATEHOUSE_DEMO: "true",
    });
    a = await composeServices(settings, { hasher: createFastHasher() });
    b = await composeServices(settings, { hasher: createFastHasher() });
    appA = createApp(a);
    appB = createApp(b);
  });

  after(async () => {
    await a?.close();
    await b?.close();
  });

  async function logIn(clientId: string): Promise<string> {
    const response = await appA.request("/token", {
      method: "POST",
      body: new URLSearchParams({
        username: "johndoe",
        password: "secret",
        scope: "me items",
        client_id: clientId,
      }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { access_token: string }).access_token;
  }

  // SQLite's memo is current on every read: the next request sees the change. PostgreSQL's
  // caches follow the feed within its bound.
  const bound = (): number => (databaseUrl().startsWith("sqlite:") ? 0 : 1000);

  const read = async (path: string, token: string): Promise<number> =>
    (await appB.request(path, { headers: { authorization: `Bearer ${token}` } })).status;

  it("is answered at once by B, and follows a change made through A", async () => {
    await a.store.clients.createClient({
      clientId: "mobile",
      name: "Mobile",
      type: "public",
      secretHash: null,
      grantTypes: ["password", "refresh_token"],
      scopes: ["me", "items"],
      redirectUris: [],
      audiences: [],
      firstParty: true,
    });
    const token = await logIn("mobile");
    await within(1000, async () => (await read("/users/me/items/", token)) === 200);
    const cached = b.store.guardReads?.clients?.findClient("mobile");
    assert.ok(cached !== undefined && !(cached instanceof Promise), "answered at once by B");

    await a.store.clients.updateClient("mobile", { scopes: ["me"] });
    await within(bound(), async () => (await read("/users/me/items/", token)) === 403);
    assert.equal(await read("/users/me/", token), 200);

    await a.store.clients.updateClient("mobile", { disabled: true });
    await within(bound(), async () => (await read("/users/me/", token)) === 401);

    await a.store.clients.updateClient("mobile", { disabled: false });
    await within(bound(), async () => (await read("/users/me/", token)) === 200);

    await a.store.clients.deleteClient("mobile");
    await within(bound(), async () => (await read("/users/me/", token)) === 401);
  });
});
