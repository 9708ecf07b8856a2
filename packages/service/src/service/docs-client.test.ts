import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { createScopeCatalogue, gatehouseScopeDescriptions } from "gatehouse-auth-core/scopes";
import { createMemoryStore } from "../storage/memory/store.ts";
import { docsClientId, docsRedirectUri, ensureDocsClient } from "./docs-client.ts";

const scopes = createScopeCatalogue(gatehouseScopeDescriptions);

describe("the docs client", () => {
  it("is registered once: public, first-party, redirecting to the issuer's docs page only", async () => {
    const store = createMemoryStore({ clock: createFixedClock(0) });

    const first = await ensureDocsClient(store.clients, scopes, "https://auth.example/");
    const second = await ensureDocsClient(store.clients, scopes, "https://auth.example/");

    assert.equal(first, true);
    assert.equal(second, false);
    const client = await store.clients.findClient(docsClientId);
    assert.equal(client?.type, "public");
    assert.equal(client?.firstParty, true);
    assert.deepEqual(client?.redirectUris, ["https://auth.example/docs/oauth2-redirect"]);
    assert.ok(client?.grantTypes.includes("authorization_code"));
    await store.close();
  });

  it("keeps an operator's changes to an existing docs client", async () => {
    const store = createMemoryStore({ clock: createFixedClock(0) });
    await ensureDocsClient(store.clients, scopes, "https://auth.example");
    await store.clients.updateClient(docsClientId, { scopes: ["me"] });

    await ensureDocsClient(store.clients, scopes, "https://other.example");

    const client = await store.clients.findClient(docsClientId);
    assert.deepEqual(client?.scopes, ["me"]);
    assert.deepEqual(client?.redirectUris, [docsRedirectUri("https://auth.example")]);
    await store.close();
  });
});
