// The seed's browser flow: /docs in headless Chromium, Authorize, "Try it out", Logout, and an
// inactive user refused in the dialog; /redoc rendering the operations. Uses the system's
// Chromium (Debian package `chromium`) through playwright-core; never downloads a browser.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { RunningServer } from "gatehouse-auth/server/start-server";
import { startServer } from "gatehouse-auth/server/start-server";
import { loadSettings } from "gatehouse-auth/service/config";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";
import {
  chromiumArgs,
  chromiumExecutable,
  chromiumMissingReason,
} from "../fixtures/chromium-executable.ts";
import { createTestClients } from "../fixtures/test-clients.ts";

const artifacts = new URL("../../test-results/", import.meta.url).pathname;
const missing = chromiumMissingReason();
const ciRun = process.env["CI"] === "true";
const scheme = "OAuth2PasswordBearer";

/** What a page did that the tests check afterwards: where it went and what it complained about. */
interface PageRecord {
  readonly requests: string[];
  readonly errors: string[];
}

function record(page: Page): PageRecord {
  const seen: PageRecord = { requests: [], errors: [] };
  page.on("request", (request) => seen.requests.push(request.url()));
  page.on("pageerror", (error) => seen.errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // Chromium reports every 4xx answer as "Failed to load resource"; the flow expects some
    // (the 401 after Logout, the inactive user's 400), so only other errors count.
    const text = message.text();
    if (message.type() === "error" && !/^Failed to load resource: .* status of 4\d\d/.test(text)) {
      seen.errors.push(text);
    }
  });
  return seen;
}

function foreignRequests(seen: PageRecord, origin: string): string[] {
  return seen.requests.filter(
    (url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:") && !url.startsWith("blob:"),
  );
}

if (missing !== undefined && ciRun) {
  describe("the docs pages in a browser", () => {
    it("needs Debian's chromium in CI (.ci/run installs it)", () => {
      assert.fail(missing);
    });
  });
} else {
  describe("the docs pages in a browser", {
    skip: missing ?? false,
    timeout: 120_000,
  }, () => {
    let dir: string;
    let server: RunningServer;
    let browser: Browser;
    let origin: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "gatehouse-browser-"));
      await mkdir(artifacts, { recursive: true });
      server = await startServer(
        loadSettings({
          HOST: "127.0.0.1",
          PORT: "0",
          GATEHOUSE_DEMO: "true",
          GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, "gatehouse.db")}`,
          GATEHOUSE_LOG_LEVEL: "silent",
          GATEHOUSE_HASH_WORKERS: "1",
        }),
        {
          compose: {
            clients: createTestClients({
              clientId: "reporting",
              secret: "reporting-secret",
              scopes: ["items"],
            }),
          },
        },
      );
      origin = `http://127.0.0.1:${server.port}`;
      browser = await chromium.launch({
        executablePath: chromiumExecutable,
        args: [...chromiumArgs],
      });
    });
    after(async () => {
      await browser?.close();
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    });

    async function authorize(page: Page, username: string, password: string): Promise<void> {
      await page.locator(".auth-wrapper button.authorize").click();
      const dialog = page.locator(".modal-ux");
      await dialog.locator("#oauth_username").fill(username);
      await dialog.locator("#oauth_password").fill(password);
      for (const scope of ["me", "items"]) {
        const box = dialog.locator(`#${scope}-password-checkbox-${scheme}`);
        if (!(await box.isChecked())) {
          await dialog.locator(`label[for="${scope}-password-checkbox-${scheme}"]`).click();
        }
      }
      // The dialog offers the client credentials flow and Basic too: submit the password form.
      await dialog
        .locator(".auth-container", { has: page.locator("#oauth_username") })
        .locator("button.modal-btn.auth.authorize")
        .click();
    }

    async function closeDialog(page: Page): Promise<void> {
      await page.locator(".modal-ux button.btn-done").first().click();
    }

    async function execute(page: Page, path: string): Promise<{ status: string; body: string }> {
      const operation = page.locator(".opblock", {
        has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
      });
      if (!(await operation.locator("button.execute").isVisible())) {
        if (!(await operation.locator(".opblock-body").isVisible())) {
          await operation.locator(".opblock-summary").first().click();
        }
        await operation.locator("button.try-out__btn").click();
      }
      await operation.locator("button.execute").click();
      const live = operation.locator(".live-responses-table .response");
      await live.locator(".response-col_status").waitFor();
      const status = ((await live.locator(".response-col_status").textContent()) ?? "").trim();
      const body =
        (await live.locator(".response-col_description pre").first().textContent()) ?? "";
      // Clear the live answer, so the next Execute is read fresh.
      await operation.locator("button.btn-clear").click();
      return { status, body };
    }

    it("logs johndoe in, tries the routes, logs out, and refuses inactive alice", async () => {
      const page = await browser.newPage();
      const seen = record(page);
      await page.goto(`${origin}/docs`);
      await page.locator(".opblock").first().waitFor();

      await authorize(page, "johndoe", "secret");
      await page.locator(".modal-ux button", { hasText: "Logout" }).first().waitFor();
      await page.screenshot({ path: join(artifacts, "docs-authorized.png") });
      await closeDialog(page);
      const me = await execute(page, "/users/me/");
      const items = await execute(page, "/users/me/items/");
      await page.screenshot({ path: join(artifacts, "docs-items.png"), fullPage: true });
      await page.locator(".auth-wrapper button.authorize").click();
      await page.locator(".modal-ux button", { hasText: "Logout" }).first().click();
      await closeDialog(page);
      const loggedOut = await execute(page, "/users/me/");
      await authorize(page, "alice", "secret2");
      await page.locator(".modal-ux", { hasText: "Inactive user" }).waitFor();
      await page.screenshot({ path: join(artifacts, "docs-inactive-user.png") });
      await page.close();

      assert.equal(me.status, "200");
      assert.match(me.body, /"username": "johndoe"/);
      assert.equal(items.status, "200");
      assert.match(items.body, /"item_id": "Foo"/);
      assert.equal(loggedOut.status, "401");
      assert.match(loggedOut.body, /Not authenticated/);
      assert.deepEqual(foreignRequests(seen, origin), []);
      assert.deepEqual(seen.errors, []);
    });

    it("obtains a token in the Authorize dialog by the client credentials flow", async () => {
      const page = await browser.newPage();
      const seen = record(page);
      await page.goto(`${origin}/docs`);
      await page.locator(".opblock").first().waitFor();
      await page.locator(".auth-wrapper button.authorize").click();
      const form = page.locator(".modal-ux .auth-container", { hasText: "clientCredentials" });
      await form.locator("#client_id_clientCredentials").fill("reporting");
      await form.locator("#client_secret_clientCredentials").fill("reporting-secret");
      const box = `items-clientCredentials-checkbox-${scheme}`;
      if (!(await form.locator(`#${box}`).isChecked())) {
        await form.locator(`label[for="${box}"]`).click();
      }
      const answer = page.waitForResponse((response) => response.url() === `${origin}/token`);
      await form.locator("button.modal-btn.auth.authorize").click();
      const token = await answer;
      const body = (await token.json()) as { scope: string; access_token: string };
      await page.locator(".modal-ux button", { hasText: "Logout" }).first().waitFor();
      await page.close();

      assert.equal(token.status(), 200);
      assert.equal(body.scope, "items");
      const claims = JSON.parse(
        Buffer.from(body.access_token.split(".")[1] ?? "", "base64url").toString(),
      ) as { sub: string };
      assert.equal(claims.sub, "client:reporting");
      assert.deepEqual(foreignRequests(seen, origin), []);
      assert.deepEqual(seen.errors, []);
    });

    it("renders every operation in ReDoc from local files only", async () => {
      const page = await browser.newPage();
      const seen = record(page);

      await page.goto(`${origin}/redoc`);
      for (const title of [
        "Log in for an access token",
        "Read the current user",
        "Read the current user's items",
        "Read the system status",
      ]) {
        await page.locator("h2", { hasText: title }).first().waitFor();
      }
      await page.screenshot({ path: join(artifacts, "redoc.png") });
      await page.close();

      assert.deepEqual(foreignRequests(seen, origin), []);
      assert.deepEqual(seen.errors, []);
    });
  });
}
