// The device flow (RFC 8628) end to end in headless Chromium: a script starts a device
// authorization and polls /token while a user opens the verification URI, signs in on
// Gatehouse's login page, checks the code and approves (or denies) on the /device page. Every
// page is screenshotted (into a temporary directory) and every input checked for an accessible
// name. Uses Debian's Chromium through playwright-core; never downloads one.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser, Page } from "playwright-core";
import type { BrowserGatehouse } from "../fixtures/browser-gatehouse.ts";
import { startBrowserGatehouse } from "../fixtures/browser-gatehouse.ts";
import { chromiumMissingReason, freePort } from "../fixtures/chromium-executable.ts";

const missing = chromiumMissingReason();
const ciRun = process.env["CI"] === "true";
const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code";

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  interval: number;
}

interface PollResult {
  status: number;
  body: { access_token?: string; scope?: string; error?: string };
  /** The errors answered while the user decided, in order. */
  waited: string[];
}

if (missing !== undefined && ciRun) {
  describe("the device flow in a browser", () => {
    it("needs Debian's chromium in CI", () => {
      assert.fail(missing);
    });
  });
} else {
  describe("the device flow in a browser", { skip: missing ?? false, timeout: 180_000 }, () => {
    let gatehouse: BrowserGatehouse;
    let browser: Browser;
    let origin: string;
    let snap: BrowserGatehouse["snap"];

    before(async () => {
      gatehouse = await startBrowserGatehouse({
        port: await freePort(),
        // The TV app's registration, as `gatehouse clients add` would make it.
        client: {
          clientId: "tv-app",
          name: "Living Room TV",
          type: "public",
          secretHash: null,
          grantTypes: [deviceGrant, "refresh_token"],
          scopes: ["me", "items"],
          redirectUris: [],
          audiences: [],
          firstParty: false,
        },
        settings: { GATEHOUSE_DEVICE_POLL_INTERVAL_SECONDS: "1" },
      });
      ({ browser, origin, snap } = gatehouse);
    });
    after(async () => {
      await gatehouse?.close();
    });

    async function startDevice(): Promise<DeviceAuthorization> {
      const answer = await fetch(`${origin}/device_authorization`, {
        method: "POST",
        body: new URLSearchParams({ client_id: "tv-app", scope: "me" }),
      });
      assert.equal(answer.status, 200);
      return (await answer.json()) as DeviceAuthorization;
    }

    /** What the device does: polls at its interval until the answer is no longer "wait". */
    async function pollUntilDecided(device: DeviceAuthorization): Promise<PollResult> {
      const waited: string[] = [];
      let interval = device.interval;
      for (;;) {
        await sleep(interval * 1000);
        const answer = await fetch(`${origin}/token`, {
          method: "POST",
          body: new URLSearchParams({
            grant_type: deviceGrant,
            device_code: device.device_code,
            client_id: "tv-app",
          }),
        });
        const body = (await answer.json()) as PollResult["body"];
        if (body.error === "authorization_pending" || body.error === "slow_down") {
          waited.push(body.error);
          if (body.error === "slow_down") interval += 5;
          continue;
        }
        return { status: answer.status, body, waited };
      }
    }

    /** What the user does: opens the complete URI, signs in, checks the code, then decides. */
    async function decideInBrowser(
      device: DeviceAuthorization,
      decision: "Approve" | "Deny",
    ): Promise<Page> {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(device.verification_uri_complete);
      await page.waitForURL((url) => url.pathname === "/login");
      await snap(page, `device-login-${decision}`);
      await page.getByLabel("Username").fill("johndoe");
      await page.getByLabel("Password").fill("secret");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL((url) => url.pathname === "/device");
      const entered = page.getByLabel("Enter the code shown on your device");
      assert.equal(await entered.inputValue(), device.user_code);
      await snap(page, `device-code-${decision}`);
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByText("Living Room TV").first().waitFor();
      await page.getByText(device.user_code).first().waitFor();
      await snap(page, `device-consent-${decision}`);
      await page.getByRole("button", { name: decision }).click();
      await page
        .getByRole("heading", { name: decision === "Approve" ? "Device connected" : /./ })
        .waitFor();
      await snap(page, `device-done-${decision}`);
      return page;
    }

    it("gives the polling device tokens once the user approves in the browser", async () => {
      const device = await startDevice();
      const polled = pollUntilDecided(device);
      const page = await decideInBrowser(device, "Approve");
      const result = await polled;
      await page.context().close();

      assert.equal(result.status, 200);
      assert.equal(result.body.scope, "me");
      assert.ok(result.waited.includes("authorization_pending"));
      const me = await fetch(`${origin}/users/me/`, {
        headers: { authorization: `Bearer ${result.body.access_token}` },
      });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { username: string }).username, "johndoe");
    });

    it("answers access_denied to the polling device when the user denies", async () => {
      const device = await startDevice();
      const polled = pollUntilDecided(device);
      const page = await decideInBrowser(device, "Deny");
      const result = await polled;
      await page.getByText("The device was not given access").waitFor();
      await page.context().close();

      assert.equal(result.status, 400);
      assert.equal(result.body.error, "access_denied");
      assert.equal(result.body.access_token, undefined);
    });
  });
}
