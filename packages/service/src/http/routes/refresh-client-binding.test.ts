// Refresh tokens are bound to the client they were issued to (RFC 6749 §6, §10.4; RFC 9700 §4.14).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { passwordLoginClientId } from "gatehouse-auth-core/clients/client-authentication";
import { hashRefreshToken } from "gatehouse-auth-core/tokens/refresh-tokens";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import type { TestClients } from "../../../../../test/fixtures/test-clients.ts";
import { createTestClients } from "../../../../../test/fixtures/test-clients.ts";

const basic = (id: string, secret: string): string =>
  `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as Record<
    string,
    unknown
  >;

interface TokenBody {
  access_token?: string;
  refresh_token?: string;
  error?: string;
}

describe("refresh tokens bound to their client", () => {
  let t: TestApp;
  let clients: TestClients;
  beforeEach(async () => {
    clients = createTestClients(
      {
        clientId: "spa",
        grantTypes: ["password", "refresh_token"],
        firstParty: true,
        audiences: ["https://app.example.test"],
      },
      { clientId: "other-spa", grantTypes: ["password", "refresh_token"], firstParty: true },
      {
        clientId: "server",
        secret: "server-secret",
        grantTypes: ["password", "refresh_token"],
        firstParty: true,
      },
    );
    t = await makeTestApp({ clients });
  });
  afterEach(() => t.close());

  const token = async (fields: Record<string, string>, authorization?: string) => {
    const response = await t.app.request("/token", {
      method: "POST",
      headers: authorization === undefined ? {} : { authorization },
      body: new URLSearchParams(fields),
    });
    return { status: response.status, body: (await response.json()) as TokenBody };
  };
  const logIn = async (fields: Record<string, string> = {}, authorization?: string) => {
    const { body } = await token(
      { username: "johndoe", password: "secret", ...fields },
      authorization,
    );
    return body.refresh_token ?? "";
  };
  const refresh = (refreshToken: string, fields: Record<string, string> = {}, auth?: string) =>
    token({ grant_type: "refresh_token", refresh_token: refreshToken, ...fields }, auth);

  it("stores the client of a login with a client, and none for the client-less login", async () => {
    const withClient = await logIn({ client_id: "spa" });
    const without = await logIn();

    const find = (value: string) => t.store.refreshTokens.findRefreshToken(hashRefreshToken(value));
    assert.equal((await find(withClient))?.clientId, "spa");
    assert.equal((await find(without))?.clientId, null);
  });

  it("refreshes for the same client, naming it and its audience in the new access token", async () => {
    const issued = await logIn({ client_id: "spa" });

    const { status, body } = await refresh(issued, { client_id: "spa" });

    assert.equal(status, 200);
    const claims = claimsOf(body.access_token ?? "");
    assert.equal(claims["client_id"], "spa");
    assert.equal(claims["aud"], "https://app.example.test");
  });

  it("takes the audience from the registry as it is now", async () => {
    const issued = await logIn({ client_id: "spa" });
    clients.change("spa", { audiences: ["https://new.example.test"] });

    const { body } = await refresh(issued, { client_id: "spa" });

    assert.equal(claimsOf(body.access_token ?? "")["aud"], "https://new.example.test");
  });

  it("refuses a token presented by another client with invalid_grant, leaving it usable", async () => {
    const issued = await logIn({ client_id: "spa" });

    const other = await refresh(issued, { client_id: "other-spa" });

    assert.equal(other.status, 400);
    assert.equal(other.body.error, "invalid_grant");
    assert.equal((await refresh(issued, { client_id: "spa" })).status, 200);
  });

  it("refuses a client's token presented without a client with invalid_grant", async () => {
    const issued = await logIn({ client_id: "spa" });

    const { status, body } = await refresh(issued);

    assert.equal(status, 400);
    assert.equal(body.error, "invalid_grant");
  });

  it("refuses a client's token presented with an unregistered client_id with invalid_grant", async () => {
    const issued = await logIn({ client_id: "spa" });

    const { status, body } = await refresh(issued, { client_id: "swagger" });

    assert.equal(status, 400);
    assert.equal(body.error, "invalid_grant");
  });

  it("refuses the client-less login's token presented by a client with invalid_grant", async () => {
    const issued = await logIn();

    const { status, body } = await refresh(issued, { client_id: "spa" });

    assert.equal(status, 400);
    assert.equal(body.error, "invalid_grant");
  });

  it("keeps refreshing the client-less login's token, with the documented client_id", async () => {
    const issued = await logIn();

    const { status, body } = await refresh(issued, { client_id: "swagger" });

    assert.equal(status, 200);
    assert.equal(claimsOf(body.access_token ?? "")["client_id"], passwordLoginClientId);
  });

  it("requires a confidential client to authenticate: its id alone is 401 invalid_client", async () => {
    const issued = await logIn({}, basic("server", "server-secret"));

    const { status, body } = await refresh(issued, { client_id: "server" });

    assert.equal(status, 401);
    assert.equal(body.error, "invalid_client");
  });

  it("refuses a confidential client's wrong secret with 401 invalid_client", async () => {
    const issued = await logIn({}, basic("server", "server-secret"));

    const { status, body } = await refresh(issued, {}, basic("server", "wrong"));

    assert.equal(status, 401);
    assert.equal(body.error, "invalid_client");
  });

  it("refreshes a confidential client's token when it authenticates", async () => {
    const issued = await logIn({}, basic("server", "server-secret"));

    const { status, body } = await refresh(issued, {}, basic("server", "server-secret"));

    assert.equal(status, 200);
    assert.equal(claimsOf(body.access_token ?? "")["client_id"], "server");
  });

  it("refuses a disabled client's refresh with 401 invalid_client", async () => {
    const issued = await logIn({ client_id: "spa" });
    clients.change("spa", { disabled: true });

    const { status, body } = await refresh(issued, { client_id: "spa" });

    assert.equal(status, 401);
    assert.equal(body.error, "invalid_client");
  });

  it("refuses a deleted client's refresh token", async () => {
    const publicToken = await logIn({ client_id: "spa" });
    const confidentialToken = await logIn({}, basic("server", "server-secret"));
    clients.remove("spa");
    clients.remove("server");

    const byPublic = await refresh(publicToken, { client_id: "spa" });
    const byConfidential = await refresh(confidentialToken, {}, basic("server", "server-secret"));

    assert.deepEqual([byPublic.status, byPublic.body.error], [400, "invalid_grant"]);
    assert.deepEqual([byConfidential.status, byConfidential.body.error], [401, "invalid_client"]);
  });
});
