import assert from "node:assert/strict";
import { pbkdf2Sync } from "node:crypto";
import { after, describe, it } from "node:test";
import { createFastHasher } from "../../../../test/fixtures/fast-hasher.ts";

const django = (password: string, salt: string, iterations: number): string =>
  `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, "sha256").toString("base64")}`;

describe("verifying Django pbkdf2_sha256 hashes", () => {
  const hasher = createFastHasher();
  after(() => hasher.close());

  it("matches the right password and asks for a rehash", async () => {
    const check = await hasher.verify(django("django pw", "saltySalt", 1200), "django pw");

    assert.deepEqual(check, { matches: true, needsRehash: true });
  });

  it("refuses a wrong password without asking for a rehash", async () => {
    const check = await hasher.verify(django("django pw", "saltySalt", 1200), "django pX");

    assert.deepEqual(check, { matches: false, needsRehash: false });
  });

  it("refuses a hash asking for more iterations than the cap, without doing the work", async () => {
    const hash = `pbkdf2_sha256$99999999$salt$${"A".repeat(43)}=`;

    assert.deepEqual(await hasher.verify(hash, "anything"), { matches: false, needsRehash: false });
  });

  it("refuses a hash whose digest was cut short", async () => {
    const hash = django("django pw", "salt", 10).slice(0, -2);

    assert.deepEqual(await hasher.verify(hash, "django pw"), {
      matches: false,
      needsRehash: false,
    });
  });
});
