// Revocation by a confidential client reaches only the tokens issued to it (RFC 7009 §2.1).
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import { createTestClients } from "../../../../../test/fixtures/test-clients.ts";

const basic = (id: string, secret: string): string =>
  `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;

interface TokenBody {
  access_token?: string;
  refresh_token?: string;
  error?: string;
}

const server = basic("server", "server-secret");
const reporting = basic("reporting", "reporting-secret");

describe("POST /revoke by a confidential client", () => {
  let t: TestApp;
  beforeEach(async () => {
    const clients = createTestClients(
      {
        clientId: "server",
        secret: "server-secret",
        grantTypes: ["password", "refresh_token"],
        firstParty: true,
      },
      { clientId: "reporting", secret: "reporting-secret", scopes: ["introspect"] },
      { clientId: "spa", grantTypes: ["password", "refresh_token"], firstParty: true },
    );
    t = await makeTestApp({ clients });
  });
  afterEach(() => t.close());

  const post = async (path: string, fields: Record<string, string>, authorization?: string) => {
    const response = await t.app.request(path, {
      method: "POST",
      headers: authorization === undefined ? {} : { authorization },
      body: new URLSearchParams(fields),
    });
    const text = await response.text();
    return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as TokenBody };
  };
  const logIn = async (fields: Record<string, string> = {}, authorization?: string) => {
    const { body } = await post(
      "/token",
      { username: "johndoe", password: "secret", ...fields },
      authorization,
    );
    return { access: body.access_token ?? "", refresh: body.refresh_token ?? "" };
  };
  const revoke = (token: string, authorization?: string, fields: Record<string, string> = {}) =>
    post("/revoke", { token, ...fields }, authorization);
  const active = async (token: string): Promise<boolean> => {
    const { body } = await post("/introspect", { token }, reporting);
    return (body as { active?: boolean }).active === true;
  };

  it("revokes its own refresh token and with it the family", async () => {
    const issued = await logIn({}, server);

    const { status } = await revoke(issued.refresh, server);

    assert.equal(status, 200);
    assert.equal(await active(issued.refresh), false);
  });

  it("revokes its own user access token", async () => {
    const issued = await logIn({}, server);

    const { status } = await revoke(issued.access, server);

    assert.equal(status, 200);
    assert.equal(await active(issued.access), false);
  });

  it("refuses another client's refresh token with 400 unauthorized_client and keeps it", async () => {
    const issued = await logIn({}, server);

    const { status, body } = await revoke(issued.refresh, reporting);

    assert.deepEqual([status, body.error], [400, "unauthorized_client"]);
    assert.equal(await active(issued.refresh), true);
  });

  it("refuses a public client's refresh token with 400 unauthorized_client and keeps it", async () => {
    const issued = await logIn({ client_id: "spa" });

    const { status, body } = await revoke(issued.refresh, server);

    assert.deepEqual([status, body.error], [400, "unauthorized_client"]);
    assert.equal(await active(issued.refresh), true);
  });

  it("refuses the client-less login's refresh token and keeps it", async () => {
    const issued = await logIn();

    const { status, body } = await revoke(issued.refresh, server);

    assert.deepEqual([status, body.error], [400, "unauthorized_client"]);
    assert.equal(await active(issued.refresh), true);
  });

  it("refuses the client-less login's access token and keeps it", async () => {
    const issued = await logIn();

    const { status, body } = await revoke(issued.access, server);

    assert.deepEqual([status, body.error], [400, "unauthorized_client"]);
    assert.equal(await active(issued.access), true);
  });

  it("refuses another client's user access token and keeps it", async () => {
    const issued = await logIn({}, server);

    const { status, body } = await revoke(issued.access, reporting);

    assert.deepEqual([status, body.error], [400, "unauthorized_client"]);
    assert.equal(await active(issued.access), true);
  });

  it("answers 200 for an unknown refresh token or an invalid access token", async () => {
    const unknown = await revoke("A".repeat(43), server);
    const invalid = await revoke("x.y.z", server);

    assert.deepEqual([unknown.status, invalid.status], [200, 200]);
  });

  it("still lets a public client revoke what it holds, as possession authorizes it", async () => {
    const issued = await logIn();

    const { status } = await revoke(issued.refresh, undefined, { client_id: "spa" });

    assert.equal(status, 200);
    assert.equal(await active(issued.refresh), false);
  });

  it("still lets a request without a client revoke a confidential client's token", async () => {
    const issued = await logIn({}, server);

    const { status } = await revoke(issued.refresh);

    assert.equal(status, 200);
    assert.equal(await active(issued.refresh), false);
  });
});
