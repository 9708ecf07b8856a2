import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { serverNodeFlags, tuneHeapForService } from "./heap-tuning.ts";

const root = new URL("../../../../", import.meta.url);

describe("heap tuning", () => {
  it("is what npm start passes to node", async () => {
    const pkg = JSON.parse(await readFile(new URL("package.json", root), "utf8")) as {
      scripts: Record<string, string>;
    };

    assert.equal(
      pkg.scripts["start"],
      `node ${serverNodeFlags.join(" ")} packages/service/dist/server/main.js`,
    );
  });

  it("is what the gatehouse command's shebang passes to node", async () => {
    const cli = await readFile(new URL("packages/service/src/cli/main.ts", root), "utf8");

    assert.equal(cli.split("\n")[0], `#!/usr/bin/env -S node ${serverNodeFlags.join(" ")}`);
  });

  it("can be applied to a running process more than once", () => {
    assert.doesNotThrow(() => {
      tuneHeapForService();
      tuneHeapForService();
    });
  });
});
