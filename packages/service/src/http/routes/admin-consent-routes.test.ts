import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { AdminTokens } from "../../../../../test/fixtures/admin-tokens.ts";
import { adminTokens } from "../../../../../test/fixtures/admin-tokens.ts";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";

describe("the consent administration API", () => {
  let t: TestApp;
  let tokens: AdminTokens;
  const consent = { username: "johndoe", clientId: "spa", scopes: ["me"], grantedAt: 0 };

  beforeEach(async () => {
    t = await makeTestApp();
    tokens = await adminTokens(t, ["users:read", "users:write"], "users:read");
    await t.store.consents.saveConsent({ ...consent, grantedAt: t.clock.now() });
  });
  afterEach(() => t.close());

  const call = (method: string, path: string, token: string) =>
    t.app.request(path, { method, headers: { authorization: `Bearer ${token}` } });

  it("lists a user's consents with users:read", async () => {
    const response = await call("GET", "/admin/users/johndoe/consents", tokens.reader);

    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      consents: [
        { client_id: "spa", scopes: ["me"], granted_at: new Date(t.clock.now()).toISOString() },
      ],
    });
  });

  it("revokes a consent with users:write and audits it", async () => {
    const response = await call("DELETE", "/admin/users/johndoe/consents/spa", tokens.admin);

    assert.equal(response.status, 204);
    assert.equal(await t.store.consents.findConsent("johndoe", "spa"), undefined);
    const events = await t.store.audit.list({ type: "consent.revoked", limit: 5 });
    assert.equal(events.events[0]?.actor, "root");
    assert.equal(events.events[0]?.subject, "johndoe");
  });

  it("refuses to revoke with users:read only", async () => {
    const response = await call("DELETE", "/admin/users/johndoe/consents/spa", tokens.reader);

    assert.equal(response.status, 403);
    assert.notEqual(await t.store.consents.findConsent("johndoe", "spa"), undefined);
  });

  it("refuses a caller without the admin scopes", async () => {
    const response = await call("GET", "/admin/users/johndoe/consents", tokens.seed);

    assert.equal(response.status, 403);
  });

  it("answers 404 for an unknown user or a consent that does not exist", async () => {
    const unknownUser = await call("GET", "/admin/users/nobody/consents", tokens.reader);
    const unknownConsent = await call(
      "DELETE",
      "/admin/users/johndoe/consents/other",
      tokens.admin,
    );

    assert.equal(unknownUser.status, 404);
    assert.equal(unknownConsent.status, 404);
    assert.deepEqual(await unknownConsent.json(), { detail: "Consent not found" });
  });
});
