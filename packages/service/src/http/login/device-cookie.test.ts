// Device cookies on the login page (OWASP "device cookies"): a browser that signed in to an
// account before is not refused by a lock that others caused on that account.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { createPageBrowser } from "../../../../../test/fixtures/page-browser.ts";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";

const issuer = "http://127.0.0.1:8000";

describe("device cookies on the login page", () => {
  let t: TestApp;

  afterEach(async () => {
    await t.close();
  });

  describe("with device proofs on", () => {
    beforeEach(async () => {
      t = await makeTestApp({ issuer, deviceProofSecret: "s".repeat(48) });
    });

    it("gives a browser that signed in a long-lived, HttpOnly device cookie", async () => {
      const owner = createPageBrowser(t.app, issuer);
      const response = await owner.logIn("johndoe", "secret");
      const line = response.headers.getSetCookie().find((c) => c.startsWith("gatehouse-device="));

      assert.equal(response.status, 303);
      assert.ok(line !== undefined, "no device cookie");
      assert.match(line, /HttpOnly/i);
      assert.match(line, /SameSite=Lax/i);
      assert.match(line, /Max-Age=2592000/i);
    });

    it("lets the owner's browser in while a lock caused by others refuses everyone else", async () => {
      const owner = createPageBrowser(t.app, issuer);
      assert.equal((await owner.logIn("johndoe", "secret")).status, 303);
      const attacker = createPageBrowser(t.app, issuer);
      for (let i = 0; i < 6; i++) await attacker.logIn("johndoe", `wrong-${i}`);

      const stranger = createPageBrowser(t.app, issuer);
      assert.equal((await stranger.logIn("johndoe", "secret")).status, 429);
      assert.equal((await attacker.logIn("johndoe", "secret")).status, 429);
      assert.equal((await owner.logIn("johndoe", "secret")).status, 303);
    });

    it("does not let a device cookie of one account pass the lock of another", async () => {
      const owner = createPageBrowser(t.app, issuer);
      assert.equal((await owner.logIn("johndoe", "secret")).status, 303);
      const attacker = createPageBrowser(t.app, issuer);
      for (let i = 0; i < 6; i++) await attacker.logIn("alice", `wrong-${i}`);

      // The owner's cookie is johndoe's: for alice it counts for nothing.
      assert.equal((await owner.logIn("alice", "secret2")).status, 429);
    });
  });

  it("sets no device cookie, and the lock refuses every browser, with device proofs off", async () => {
    t = await makeTestApp({ issuer });
    const owner = createPageBrowser(t.app, issuer);
    const response = await owner.logIn("johndoe", "secret");
    assert.equal(
      response.headers.getSetCookie().some((c) => c.startsWith("gatehouse-device=")),
      false,
    );
    const attacker = createPageBrowser(t.app, issuer);
    for (let i = 0; i < 6; i++) await attacker.logIn("johndoe", `wrong-${i}`);

    assert.equal((await owner.logIn("johndoe", "secret")).status, 429);
  });
});
