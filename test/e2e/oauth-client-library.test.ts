// An independent OAuth client library (panva's oauth4webapi) drives the client credentials
// grant, introspection and revocation against Gatehouse served on a loopback port.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ServerType } from "@hono/node-server";
import { serve } from "@hono/node-server";
import * as oauth from "oauth4webapi";
import type { TestApp } from "../fixtures/test-app.ts";
import { makeTestApp } from "../fixtures/test-app.ts";
import { createTestClients } from "../fixtures/test-clients.ts";

const reporting = { client_id: "reporting" } satisfies oauth.Client;
const reportingSecret = "reporting secret: with + and %";
const gateway = { client_id: "gateway" } satisfies oauth.Client;
const gatewaySecret = "gateway-secret";
const options = { [oauth.allowInsecureRequests]: true };

describe("an independent OAuth client (oauth4webapi) against Gatehouse", () => {
  let t: TestApp;
  let server: ServerType;
  let as: oauth.AuthorizationServer;
  before(async () => {
    t = await makeTestApp({
      clients: createTestClients(
        { clientId: "reporting", secret: reportingSecret, scopes: ["items", "me"] },
        { clientId: "gateway", secret: gatewaySecret, scopes: ["introspect"] },
      ),
    });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: t.app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    as = {
      issuer: t.services.settings.issuer,
      token_endpoint: `${base}/token`,
      introspection_endpoint: `${base}/introspect`,
      revocation_endpoint: `${base}/revoke`,
    };
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  const clientCredentials = async (auth: oauth.ClientAuth, scope?: string) => {
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      reporting,
      auth,
      scope === undefined ? {} : { scope },
      options,
    );
    return oauth.processClientCredentialsResponse(as, reporting, response);
  };

  it("obtains a token by client_credentials with client_secret_basic", async () => {
    const answer = await clientCredentials(oauth.ClientSecretBasic(reportingSecret), "items");

    assert.equal(answer.token_type, "bearer");
    assert.equal(answer.scope, "items");
    assert.equal(answer.refresh_token, undefined);
  });

  it("obtains a token by client_credentials with client_secret_post", async () => {
    const answer = await clientCredentials(oauth.ClientSecretPost(reportingSecret));

    assert.equal(answer.scope, "me items");
  });

  it("hears 401 with a Basic challenge for a wrong Basic secret", async () => {
    await assert.rejects(clientCredentials(oauth.ClientSecretBasic("wrong")), (error: unknown) => {
      assert.ok(error instanceof oauth.WWWAuthenticateChallengeError);
      assert.equal(error.status, 401);
      assert.equal(error.cause[0]?.scheme, "basic");
      return true;
    });
  });

  it("hears invalid_client for a wrong form secret", async () => {
    await assert.rejects(clientCredentials(oauth.ClientSecretPost("wrong")), (error: unknown) => {
      assert.ok(error instanceof oauth.ResponseBodyError);
      assert.equal(error.error, "invalid_client");
      assert.equal(error.status, 401);
      return true;
    });
  });

  const introspect = async (token: string) => {
    const response = await oauth.introspectionRequest(
      as,
      gateway,
      oauth.ClientSecretBasic(gatewaySecret),
      token,
      options,
    );
    return oauth.processIntrospectionResponse(as, gateway, response);
  };

  it("introspects a token as a confidential client, then revokes it", async () => {
    const { access_token: token } = await clientCredentials(
      oauth.ClientSecretBasic(reportingSecret),
    );

    const before = await introspect(token);
    assert.equal(before.active, true);
    assert.equal(before.sub, "client:reporting");
    assert.equal(before.scope, "me items");

    const revoked = await oauth.revocationRequest(
      as,
      reporting,
      oauth.ClientSecretBasic(reportingSecret),
      token,
      options,
    );
    await oauth.processRevocationResponse(revoked);

    assert.equal((await introspect(token)).active, false);
  });

  it("cannot revoke another client's token", async () => {
    const { access_token: token } = await clientCredentials(
      oauth.ClientSecretPost(reportingSecret),
    );

    const revoked = await oauth.revocationRequest(
      as,
      gateway,
      oauth.ClientSecretPost(gatewaySecret),
      token,
      options,
    );

    // RFC 7009 §2.1: refused, and the client told so (docs/decisions.md).
    await assert.rejects(oauth.processRevocationResponse(revoked), {
      error: "unauthorized_client",
      status: 400,
    });
    assert.equal((await introspect(token)).active, true);
  });
});
