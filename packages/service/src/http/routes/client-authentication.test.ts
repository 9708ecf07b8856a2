import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { passwordLoginClientId } from "gatehouse-auth-core/clients/client-authentication";
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
  scope?: string;
  error?: string;
}

function registry(): TestClients {
  return createTestClients(
    {
      clientId: "reporting",
      secret: "reporting-secret",
      scopes: ["items", "introspect"],
      audiences: ["https://reports.example.test"],
    },
    { clientId: "batch", secret: "batch secret+%", scopes: ["me"] },
    { clientId: "spa", grantTypes: ["password", "refresh_token"], firstParty: true },
    { clientId: "partner", grantTypes: ["password"], firstParty: false },
    {
      clientId: "first-party-server",
      secret: "fps-secret",
      grantTypes: ["password"],
      firstParty: true,
    },
  );
}

describe("client authentication at /token", () => {
  let t: TestApp;
  let clients: TestClients;
  before(async () => {
    clients = registry();
    t = await makeTestApp({ clients });
  });
  after(() => t.close());

  const token = async (fields: Record<string, string>, authorization?: string) => {
    const response = await t.app.request("/token", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(authorization === undefined ? {} : { authorization }),
      },
      body: new URLSearchParams(fields).toString(),
    });
    return { response, body: (await response.json()) as TokenBody };
  };

  it("issues a client_credentials token to a confidential client using Basic", async () => {
    const { response, body } = await token(
      { grant_type: "client_credentials", scope: "items" },
      basic("reporting", "reporting-secret"),
    );

    assert.equal(response.status, 200);
    assert.equal(body.scope, "items");
    assert.equal(body.refresh_token, undefined);
    const claims = claimsOf(body.access_token ?? "");
    assert.equal(claims["sub"], "client:reporting");
    assert.equal(claims["client_id"], "reporting");
    assert.equal(claims["aud"], "https://reports.example.test");
    assert.equal(claims["iss"], "http://127.0.0.1:8000");
  });

  it("decodes a form-encoded Basic secret holding a space, + and %", async () => {
    const { response } = await token(
      { grant_type: "client_credentials" },
      basic("batch", "batch secret+%"),
    );

    assert.equal(response.status, 200);
  });

  it("accepts client_secret_post, and grants every allowed scope when none is asked", async () => {
    const { response, body } = await token({
      grant_type: "client_credentials",
      client_id: "reporting",
      client_secret: "reporting-secret",
    });

    assert.equal(response.status, 200);
    assert.equal(body.scope, "items introspect");
  });

  it("grants only the requested scopes the client is allowed", async () => {
    const { body } = await token(
      { grant_type: "client_credentials", scope: "me items users:write" },
      basic("reporting", "reporting-secret"),
    );

    assert.equal(body.scope, "items");
  });

  it("refuses a wrong secret with 401 invalid_client and a Basic challenge", async () => {
    const { response, body } = await token(
      { grant_type: "client_credentials" },
      basic("reporting", "wrong"),
    );

    assert.equal(response.status, 401);
    assert.equal(body.error, "invalid_client");
    assert.match(response.headers.get("www-authenticate") ?? "", /^Basic /);
  });

  it("refuses a wrong form secret with 401 invalid_client and no challenge", async () => {
    const { response, body } = await token({
      grant_type: "client_credentials",
      client_id: "reporting",
      client_secret: "wrong",
    });

    assert.equal(response.status, 401);
    assert.equal(body.error, "invalid_client");
    assert.equal(response.headers.get("www-authenticate"), null);
  });

  it("answers an unknown client exactly as a wrong secret", async () => {
    const unknown = await token({ grant_type: "client_credentials" }, basic("ghost", "x"));

    assert.equal(unknown.response.status, 401);
    assert.equal(unknown.body.error, "invalid_client");
  });

  it("refuses a disabled client with invalid_client", async () => {
    clients.add({ clientId: "retired", secret: "retired-secret" });
    clients.change("retired", { disabled: true });

    const { response } = await token(
      { grant_type: "client_credentials" },
      basic("retired", "retired-secret"),
    );

    assert.equal(response.status, 401);
  });

  it("refuses Basic credentials with bad encoding with invalid_client", async () => {
    const { response, body } = await token(
      { grant_type: "client_credentials" },
      `Basic ${btoa("reporting:%zz")}`,
    );

    assert.equal(response.status, 401);
    assert.equal(body.error, "invalid_client");
    assert.match(response.headers.get("www-authenticate") ?? "", /^Basic /);
  });

  it("refuses two authentication methods at once with invalid_request", async () => {
    const { response, body } = await token(
      { grant_type: "client_credentials", client_secret: "reporting-secret" },
      basic("reporting", "reporting-secret"),
    );

    assert.equal(response.status, 400);
    assert.equal(body.error, "invalid_request");
  });

  it("refuses a public client presenting a secret with invalid_request", async () => {
    const { response, body } = await token({
      grant_type: "client_credentials",
      client_id: "spa",
      client_secret: "made-up",
    });

    assert.equal(response.status, 400);
    assert.equal(body.error, "invalid_request");
  });

  it("refuses client_credentials to a public client with unauthorized_client", async () => {
    const { response, body } = await token({ grant_type: "client_credentials", client_id: "spa" });

    assert.equal(response.status, 400);
    assert.equal(body.error, "unauthorized_client");
  });

  it("refuses a grant the client is not allowed with unauthorized_client", async () => {
    const { response, body } = await token(
      { grant_type: "client_credentials" },
      basic("first-party-server", "fps-secret"),
    );

    assert.equal(response.status, 400);
    assert.equal(body.error, "unauthorized_client");
  });

  it("refuses client_credentials without any client with invalid_client", async () => {
    const { response, body } = await token({ grant_type: "client_credentials" });

    assert.equal(response.status, 401);
    assert.equal(body.error, "invalid_client");
  });

  it("lets a first-party client allowed the password grant log a user in, named in client_id", async () => {
    const { response, body } = await token({
      username: "johndoe",
      password: "secret",
      client_id: "spa",
    });

    assert.equal(response.status, 200);
    assert.equal(claimsOf(body.access_token ?? "")["client_id"], "spa");
  });

  it("lets a confidential first-party client use the password grant with its secret", async () => {
    const { response } = await token(
      { username: "johndoe", password: "secret" },
      basic("first-party-server", "fps-secret"),
    );

    assert.equal(response.status, 200);
  });

  it("never lets a third-party client use the password grant (RFC 9700 §2.4)", async () => {
    const { response, body } = await token({
      username: "johndoe",
      password: "secret",
      client_id: "partner",
    });

    assert.equal(response.status, 400);
    assert.equal(body.error, "unauthorized_client");
  });

  it("refuses the password grant to a client not allowed it", async () => {
    const { body } = await token(
      { username: "johndoe", password: "secret" },
      basic("reporting", "reporting-secret"),
    );

    assert.equal(body.error, "unauthorized_client");
  });

  it("keeps the seed's client-less password login, with the documented client_id", async () => {
    const { response, body } = await token({ username: "johndoe", password: "secret" });

    assert.equal(response.status, 200);
    assert.equal(claimsOf(body.access_token ?? "")["client_id"], passwordLoginClientId);
  });

  it("refuses a client token at a route that needs a user", async () => {
    const { body } = await token(
      { grant_type: "client_credentials" },
      basic("batch", "batch secret+%"),
    );

    const response = await t.app.request("/users/me/", {
      headers: { authorization: `Bearer ${body.access_token}` },
    });

    assert.equal(response.status, 401);
  });
});

describe("GATEHOUSE_PASSWORD_GRANT_REQUIRES_CLIENT", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ clients: registry(), passwordGrantRequiresClient: true });
  });
  after(() => t.close());

  const logIn = (fields: Record<string, string>) =>
    t.app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ username: "johndoe", password: "secret", ...fields }),
    });

  it("refuses the password grant without a client with invalid_client", async () => {
    const response = await logIn({});

    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as TokenBody).error, "invalid_client");
  });

  it("refuses an unregistered client_id", async () => {
    assert.equal((await logIn({ client_id: "swagger" })).status, 401);
  });

  it("accepts a registered first-party client", async () => {
    assert.equal((await logIn({ client_id: "spa" })).status, 200);
  });
});

describe("client authentication at /revoke and /introspect", () => {
  let t: TestApp;
  before(async () => {
    t = await makeTestApp({ clients: registry() });
  });
  after(() => t.close());

  const clientToken = async (id: string, secret: string): Promise<string> => {
    const response = await t.app.request("/token", {
      method: "POST",
      headers: { authorization: basic(id, secret) },
      body: new URLSearchParams({ grant_type: "client_credentials" }),
    });
    return ((await response.json()) as TokenBody).access_token ?? "";
  };
  const call = (path: string, token: string, authorization?: string, extra = {}) =>
    t.app.request(path, {
      method: "POST",
      headers: authorization === undefined ? {} : { authorization },
      body: new URLSearchParams({ token, ...extra }),
    });
  const active = async (token: string): Promise<boolean> => {
    const response = await call("/introspect", token, basic("reporting", "reporting-secret"));
    return ((await response.json()) as { active: boolean }).active;
  };

  it("introspects for a confidential client with the introspect scope, by Basic", async () => {
    const token = await clientToken("batch", "batch secret+%");

    const response = await call("/introspect", token, basic("reporting", "reporting-secret"));

    assert.equal(response.status, 200);
    const body = (await response.json()) as { active: boolean; sub: string };
    assert.equal(body.active, true);
    assert.equal(body.sub, "client:batch");
  });

  it("introspects for a client authenticating with client_secret_post", async () => {
    const token = await clientToken("batch", "batch secret+%");

    const response = await call("/introspect", token, undefined, {
      client_id: "reporting",
      client_secret: "reporting-secret",
    });

    assert.equal(((await response.json()) as { active: boolean }).active, true);
  });

  it("refuses introspection to a client without the introspect scope", async () => {
    const response = await call("/introspect", "x.y.z", basic("batch", "batch secret+%"));

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as TokenBody).error, "unauthorized_client");
  });

  it("refuses introspection with a wrong client secret with 401 invalid_client", async () => {
    const response = await call("/introspect", "x.y.z", basic("reporting", "nope"));

    assert.equal(response.status, 401);
    assert.match(response.headers.get("www-authenticate") ?? "", /^Basic /);
  });

  it("keeps introspection by a user's bearer token with the introspect scope", async () => {
    const user = await t.login("johndoe", "secret", "me");
    await t.store.users.updateUser("johndoe", { scopes: ["me", "items", "introspect"] });
    const caller = await t.login("johndoe", "secret", "introspect");

    const response = await call("/introspect", user, `Bearer ${caller}`);

    assert.equal(((await response.json()) as { active: boolean }).active, true);
  });

  it("revokes a confidential client's own token once it authenticates", async () => {
    const token = await clientToken("batch", "batch secret+%");

    const response = await call("/revoke", token, basic("batch", "batch secret+%"));

    assert.equal(response.status, 200);
    assert.equal(await active(token), false);
  });

  it("refuses to revoke another client's token with 400 unauthorized_client, leaving it active", async () => {
    const token = await clientToken("batch", "batch secret+%");

    const response = await call("/revoke", token, basic("reporting", "reporting-secret"));

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as TokenBody).error, "unauthorized_client");
    assert.equal(await active(token), true);
  });

  it("refuses revocation by a confidential client that does not authenticate", async () => {
    const token = await clientToken("batch", "batch secret+%");

    const response = await call("/revoke", token, undefined, { client_id: "batch" });

    assert.equal(response.status, 401);
    assert.equal(await active(token), true);
  });

  it("refuses revocation with a wrong secret with 401 invalid_client", async () => {
    const response = await call("/revoke", "x.y.z", basic("batch", "wrong"));

    assert.equal(response.status, 401);
  });
});
