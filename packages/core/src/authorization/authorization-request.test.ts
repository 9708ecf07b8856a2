import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ClientRecord } from "../clients/client.ts";
import { createScopeCatalogue, gatehouseScopeDescriptions } from "../scopes.ts";
import { authorizationResponseUri, readAuthorizationRequest } from "./authorization-request.ts";

const scopes = createScopeCatalogue(gatehouseScopeDescriptions);
const spa: ClientRecord = {
  clientId: "spa",
  name: "SPA",
  type: "public",
  grantTypes: ["authorization_code"],
  scopes: ["me", "items"],
  redirectUris: ["https://spa.example/cb"],
  audiences: [],
  firstParty: false,
  disabled: false,
  createdAt: 0,
  updatedAt: 0,
  secretHash: null,
  previousSecretHash: null,
  previousSecretExpiresAt: null,
  jwks: null,
};
const disabled: ClientRecord = { ...spa, clientId: "off", disabled: true };
const deps = {
  scopes,
  clients: {
    findClient: async (id: string) => [spa, disabled].find((client) => client.clientId === id),
  },
};
const good = {
  response_type: "code",
  client_id: "spa",
  redirect_uri: "https://spa.example/cb",
  code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
  code_challenge_method: "S256",
  state: "s",
};
const read = (fields: Record<string, string>, extra = "") =>
  readAuthorizationRequest(deps, new URLSearchParams(`${new URLSearchParams(fields)}${extra}`));

describe("readAuthorizationRequest", () => {
  it("grants the client's scopes when none are asked, and drops the ones it may not have", async () => {
    const none = await read(good);
    const asked = await read({ ...good, scope: "me users:write" });

    assert.equal(none.kind, "valid");
    assert.deepEqual(none.kind === "valid" ? none.request.scopes : [], ["me", "items"]);
    assert.deepEqual(asked.kind === "valid" ? asked.request.scopes : [], ["me"]);
  });

  it("shows a page for a disabled client, never a redirect", async () => {
    assert.deepEqual(await read({ ...good, client_id: "off" }), {
      kind: "page_error",
      error: "invalid_client",
    });
  });

  it("shows a page for a repeated client_id or redirect_uri", async () => {
    assert.deepEqual(await read(good, "&redirect_uri=https%3A%2F%2Fevil.example%2F"), {
      kind: "page_error",
      error: "duplicate_parameter",
    });
    assert.deepEqual(await read(good, "&client_id=spa"), {
      kind: "page_error",
      error: "duplicate_parameter",
    });
  });

  it("sends a repeated other parameter back as invalid_request with the state", async () => {
    const result = await read(good, "&scope=me&scope=items");

    assert.equal(result.kind, "redirect_error");
    assert.equal(result.kind === "redirect_error" ? result.error : "", "invalid_request");
    assert.equal(result.kind === "redirect_error" ? result.state : "", "s");
  });

  it("refuses an overlong state without echoing it", async () => {
    const result = await read({ ...good, state: "x".repeat(1025) });

    assert.equal(result.kind === "redirect_error" ? result.error : "", "invalid_request");
    assert.equal(result.kind === "redirect_error" ? result.state : "", undefined);
  });

  it("refuses a challenge that is not S256-shaped", async () => {
    const result = await read({ ...good, code_challenge: "short" });

    assert.equal(result.kind === "redirect_error" ? result.error : "", "invalid_request");
  });
});

describe("authorizationResponseUri", () => {
  it("keeps the redirect URI's query and adds the parameters and iss", () => {
    const uri = authorizationResponseUri(
      "https://spa.example/cb?tenant=1",
      { code: "c", state: undefined },
      "https://auth.example",
    );

    assert.equal(uri, "https://spa.example/cb?tenant=1&code=c&iss=https%3A%2F%2Fauth.example");
  });
});
