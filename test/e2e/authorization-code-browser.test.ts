// The authorization code flow in headless Chromium: the example SPA (examples/spa), served on its
// own origin, signs in through /authorize with PKCE using oauth4webapi's browser build — consent
// denied, then approved, /users/me/, refresh, sign-out — and Swagger UI's code flow through the
// docs client. Every page is screenshotted (into a temporary directory) and every input checked
// for an accessible name. Uses Debian's Chromium through playwright-core; never downloads one.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { BrowserGatehouse } from "../fixtures/browser-gatehouse.ts";
import { startBrowserGatehouse } from "../fixtures/browser-gatehouse.ts";
import { chromiumMissingReason, freePort } from "../fixtures/chromium-executable.ts";

const missing = chromiumMissingReason();
const ciRun = process.env["CI"] === "true";
const scheme = "OAuth2PasswordBearer";
const spaFiles = new URL("../../examples/spa/", import.meta.url);
const oauthBrowserBuild = new URL(
  "../../node_modules/oauth4webapi/build/index.js",
  import.meta.url,
);

/** Serves the example SPA, its config and the oauth4webapi browser build on their own origin. */
async function serveSpa(config: () => object): Promise<{ server: Server; origin: string }> {
  const types: Record<string, string> = {
    html: "text/html; charset=utf-8",
    js: "text/javascript",
    css: "text/css",
  };
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://spa").pathname;
    const send = (status: number, type: string, body: string | Buffer) => {
      response.writeHead(status, { "content-type": type });
      response.end(body);
    };
    if (path === "/config.json") return send(200, "application/json", JSON.stringify(config()));
    const file =
      path === "/vendor/oauth4webapi.js"
        ? oauthBrowserBuild
        : ["/", "/index.html", "/app.js", "/app.css"].includes(path)
          ? new URL(path === "/" ? "index.html" : path.slice(1), spaFiles)
          : undefined;
    if (file === undefined) return send(404, "text/plain", "not found");
    readFile(file).then(
      (body) => send(200, types[file.pathname.split(".").pop() ?? ""] ?? "text/plain", body),
      () => send(500, "text/plain", "unreadable"),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo; // listening on TCP, so an AddressInfo
  return { server, origin: `http://127.0.0.1:${port}` };
}

if (missing !== undefined && ciRun) {
  describe("the authorization code flow in a browser", () => {
    it("needs Debian's chromium in CI", () => {
      assert.fail(missing);
    });
  });
} else {
  describe("the authorization code flow in a browser", {
    skip: missing ?? false,
    timeout: 180_000,
  }, () => {
    let gatehouse: BrowserGatehouse;
    let spa: { server: Server; origin: string };
    let browser: Browser;
    let origin: string;
    let snap: BrowserGatehouse["snap"];

    before(async () => {
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      spa = await serveSpa(() => ({ issuer: origin, clientId: "example-spa" }));
      gatehouse = await startBrowserGatehouse({
        port,
        // The SPA's registration, as `gatehouse clients add` would make it.
        client: {
          clientId: "example-spa",
          name: "Example SPA",
          type: "public",
          secretHash: null,
          grantTypes: ["authorization_code", "refresh_token"],
          scopes: ["me", "items"],
          redirectUris: [`${spa.origin}/`],
          audiences: [],
          firstParty: false,
        },
        settings: { GATEHOUSE_CORS_ORIGINS: spa.origin, GATEHOUSE_DOCS_CLIENT: "true" },
      });
      ({ browser, snap } = gatehouse);
    });
    after(async () => {
      await gatehouse?.close();
      await new Promise<void>((resolve) => spa?.server.close(() => resolve()));
    });

    const at = (wanted: string, path?: string) => (url: URL) =>
      url.origin === wanted && (path === undefined || url.pathname === path);

    /** From the SPA to Gatehouse's login page, signed in as johndoe, up to the consent page. */
    async function signInFromSpa(page: Page): Promise<void> {
      await page.goto(`${spa.origin}/`);
      await page.getByRole("status").filter({ hasText: "Not signed in." }).waitFor();
      await snap(page, "spa-start");
      await page.getByRole("button", { name: "Sign in with Gatehouse" }).click();
      await page.waitForURL(at(origin, "/login"));
      await page.getByText("Example SPA").waitFor();
      await snap(page, "login");
      await page.getByLabel("Username").fill("johndoe");
      await page.getByLabel("Password").fill("secret");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(at(origin, "/authorize"));
      await page.getByRole("heading", { name: /Allow Example SPA/ }).waitFor();
      await snap(page, "consent");
    }

    it("denies consent: the SPA hears access_denied and holds no token", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signInFromSpa(page);

      await page.getByRole("button", { name: "Deny" }).click();
      await page.waitForURL(at(spa.origin));
      await page.locator("#output", { hasText: "access_denied" }).waitFor();
      await snap(page, "spa-denied");

      assert.equal(await page.evaluate(() => sessionStorage.getItem("access_token")), null);
      await context.close();
    });

    it("approves consent, shows /users/me/, refreshes and signs out", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await signInFromSpa(page);

      await page.getByRole("button", { name: "Allow" }).click();
      await page.waitForURL(at(spa.origin));
      await page.getByRole("status").filter({ hasText: "Signed in (scope: me items)" }).waitFor();
      await page.getByRole("button", { name: "Show my account" }).click();
      await page.locator("#output", { hasText: '"username": "johndoe"' }).waitFor();
      await snap(page, "spa-me");
      const firstRefresh = await page.evaluate(() => sessionStorage.getItem("refresh_token"));
      await page.getByRole("button", { name: "Refresh tokens" }).click();
      await page.locator("#output", { hasText: "Tokens refreshed." }).waitFor();
      const secondRefresh = await page.evaluate(() => sessionStorage.getItem("refresh_token"));
      await page.getByRole("button", { name: "Show my account" }).click();
      await page.locator("#output", { hasText: '"username": "johndoe"' }).waitFor();
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await page.locator("#output", { hasText: "Signed out." }).waitFor();
      await snap(page, "spa-signed-out");
      // The revoked refresh token no longer works, even presented by its own client.
      const reused = await fetch(`${origin}/token`, {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: secondRefresh ?? "",
          client_id: "example-spa",
        }),
      });
      // Gatehouse's own sign-in ends on its page.
      await page.goto(`${origin}/login`);
      await page.getByText("You are signed in to Gatehouse as johndoe").waitFor();
      await snap(page, "gatehouse-signed-in");
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Username").waitFor();
      await context.close();

      assert.notEqual(firstRefresh, secondRefresh);
      assert.equal(reused.status, 400);
      assert.deepEqual(errors, []);
    });

    it("runs Swagger UI's authorization code flow with PKCE through the docs client", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${origin}/docs`);
      await page.locator(".opblock").first().waitFor();
      await page.locator(".auth-wrapper button.authorize").click();
      const form = page.locator(".modal-ux .auth-container", { hasText: "authorizationCode" });
      assert.equal(
        await form.locator("#client_id_authorizationCode").inputValue(),
        "gatehouse-docs",
      );
      const box = `me-authorizationCode-checkbox-${scheme}`;
      if (!(await form.locator(`#${box}`).isChecked())) {
        await form.locator(`label[for="${box}"]`).click();
      }
      await snap(page, "docs-code-flow-dialog", false);
      const popupOpened = page.waitForEvent("popup");
      const token = page.waitForResponse((response) => response.url() === `${origin}/token`);
      await form.locator("button.modal-btn.auth.authorize").click();
      const popup = await popupOpened;
      await popup.getByLabel("Username").waitFor();
      await snap(popup, "docs-code-flow-login");
      await popup.getByLabel("Username").fill("johndoe");
      await popup.getByLabel("Password").fill("secret");
      await popup.getByRole("button", { name: "Sign in" }).click();
      const answer = await token;
      const body = (await answer.json()) as { scope: string };
      await form.locator("button", { hasText: "Logout" }).waitFor();
      await context.close();

      assert.equal(answer.status(), 200);
      assert.equal(body.scope, "me");
      const sent = new URLSearchParams(answer.request().postData() ?? "");
      assert.equal(sent.get("grant_type"), "authorization_code");
      assert.ok(sent.get("code_verifier"));
    });
  });
}
