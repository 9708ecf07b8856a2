// The whole device flow (RFC 8628) over HTTP on a loopback port: a device, driven by an
// independent OAuth client library (panva's oauth4webapi), polls /token while its user approves
// at /device through a stand-in session.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ServerType } from "@hono/node-server";
import { serve } from "@hono/node-server";
import * as oauth from "oauth4webapi";
import {
  createTestDeviceSession,
  testCsrfToken,
  testUserHeader,
} from "../fixtures/device-session.ts";
import type { TestApp } from "../fixtures/test-app.ts";
import { makeTestApp } from "../fixtures/test-app.ts";
import { createTestClients } from "../fixtures/test-clients.ts";

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code";
const tv = { client_id: "living-room-tv" } satisfies oauth.Client;
const options = { [oauth.allowInsecureRequests]: true };

describe("the device flow end to end", () => {
  let t: TestApp;
  let server: ServerType;
  let base: string;
  let as: oauth.AuthorizationServer;
  before(async () => {
    t = await makeTestApp({
      clients: createTestClients({
        clientId: tv.client_id,
        grantTypes: [deviceGrant, "refresh_token"],
        scopes: ["me", "items"],
      }),
      services: (composed) => ({ ...composed, deviceSession: createTestDeviceSession() }),
    });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: t.app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const discovered = (await (
      await fetch(`${base}/.well-known/oauth-authorization-server`)
    ).json()) as { issuer: string; device_authorization_endpoint: string };
    as = {
      issuer: discovered.issuer,
      token_endpoint: `${base}/token`,
      // Served here on a loopback port; the metadata names the configured issuer's address.
      device_authorization_endpoint: discovered.device_authorization_endpoint.replace(
        discovered.issuer,
        base,
      ),
    };
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  /** What the user does in the browser: opens the complete URI, continues, approves. */
  const approveInBrowser = async (verificationUriComplete: string): Promise<void> => {
    const user = { [testUserHeader]: "johndoe" };
    const opened = await fetch(new URL(new URL(verificationUriComplete).search, `${base}/device`), {
      headers: user,
    });
    const prefilled = /name="user_code" type="text" value="([^"]*)"/.exec(await opened.text())?.[1];
    const submit = (fields: Record<string, string>) =>
      fetch(`${base}/device`, {
        method: "POST",
        headers: { ...user, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf_token: testCsrfToken("johndoe"), ...fields }),
      });
    const consent = await submit({ user_code: prefilled ?? "" });
    assert.equal(consent.status, 200);
    const code = /name="user_code" value="([^"]*)"/.exec(await consent.text())?.[1];
    const approved = await submit({ user_code: code ?? "", decision: "approve" });
    assert.equal(approved.status, 200);
  };

  it("issues tokens to a polling device once its user approves in the browser", async () => {
    const started = await oauth.processDeviceAuthorizationResponse(
      as,
      tv,
      await oauth.deviceAuthorizationRequest(as, tv, oauth.None(), { scope: "me" }, options),
    );
    const poll = async () =>
      oauth.processDeviceCodeResponse(
        as,
        tv,
        await oauth.deviceCodeGrantRequest(as, tv, oauth.None(), started.device_code, options),
      );

    await assert.rejects(poll(), (error: unknown) => {
      assert.ok(error instanceof oauth.ResponseBodyError);
      assert.equal(error.error, "authorization_pending");
      return true;
    });
    await approveInBrowser(started.verification_uri_complete ?? "");
    t.clock.advance((started.interval ?? 5) * 1000);
    const tokens = await poll();

    assert.equal(tokens.token_type, "bearer");
    assert.equal(tokens.scope, "me");
    const me = await fetch(`${base}/users/me/`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { username: string }).username, "johndoe");
    t.clock.advance((started.interval ?? 5) * 1000);
    await assert.rejects(poll(), { error: "invalid_grant" });
  });
});
