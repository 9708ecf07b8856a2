import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Clock } from "gatehouse-auth-core/clock";
import { createFastHasher } from "../../../../test/fixtures/fast-hasher.ts";
import { composeServices } from "./compose.ts";
import { loadSettings } from "./config.ts";

describe("composeServices", () => {
  let root = "";
  before(() => {
    root = mkdtempSync(join(tmpdir(), "gatehouse-compose-"));
  });
  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  // The store opens (already migrated), then making the first signing key reads the clock.
  const brokenClock: Clock = {
    now: () => {
      throw new Error("the clock broke");
    },
  };

  it("rethrows the failure of a step after opening the store", async () => {
    const settings = loadSettings({
      GATEHOUSE_DATABASE_URL: `sqlite:${join(root, "made.db")}`,
      GATEHOUSE_HASH_WORKERS: "1",
    });
    await (await composeServices(settings, { hasher: createFastHasher() })).close();

    await assert.rejects(composeServices(settings, { clock: brokenClock }), /the clock broke/);
  });

  it("leaves a hasher it was handed open when it fails", async () => {
    const settings = loadSettings({ GATEHOUSE_DATABASE_URL: `sqlite:${join(root, "handed.db")}` });
    await (await composeServices(settings, { hasher: createFastHasher() })).close();
    const hasher = createFastHasher();

    await assert.rejects(composeServices(settings, { hasher, clock: brokenClock }));

    assert.match(await hasher.hash("still open"), /^\$argon2id\$/);
    await hasher.close();
  });
});
