// The entry points on a Node.js older than 24: one line naming the release needed, not a stack.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { stripTypeScriptTypes } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

const sources = new URL("../../packages/service/src/", import.meta.url);
const entries = ["server/main.ts", "server/node-version.ts", "cli/main.ts"];

/** An installed Node.js older than 24 (Debian's, typically), or why there is none. */
function olderNode(): { readonly path: string } | { readonly reason: string } {
  for (const path of ["/usr/bin/node", "/usr/local/bin/node"]) {
    if (!existsSync(path)) continue;
    const version = execFileSync(path, ["-p", "process.versions.node"], { encoding: "utf8" });
    if (Number.parseInt(version, 10) < 24) return { path };
  }
  return { reason: "no Node.js older than 24 is installed to run the entry points with" };
}

const older = olderNode();

describe("the entry points on an older Node.js", {
  skip: "reason" in older && older.reason,
}, () => {
  let directory = "";

  before(async () => {
    // The entries as the build emits them: types stripped, `.ts` specifiers rewritten to `.js`.
    directory = await mkdtemp(join(tmpdir(), "gatehouse-old-node-"));
    await writeFile(join(directory, "package.json"), '{ "type": "module" }\n');
    for (const entry of entries) {
      const source = await readFile(new URL(entry, sources), "utf8");
      const javascript = stripTypeScriptTypes(source).replaceAll(/\.ts(["'])/g, ".js$1");
      await mkdir(join(directory, entry, ".."), { recursive: true });
      await writeFile(join(directory, entry.replace(/\.ts$/, ".js")), javascript);
    }
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  for (const [entry, args] of [
    ["cli/main.js", ["--version"]],
    ["server/main.js", []],
  ] as const) {
    it(`prints one line naming Node.js 24 and exits 1 (${entry})`, () => {
      const node = "path" in older ? older.path : "";
      const version = execFileSync(node, ["-p", "process.versions.node"], { encoding: "utf8" });

      const exit = spawnSync(node, [join(directory, entry), ...args], { encoding: "utf8" });

      assert.equal(exit.status, 1);
      assert.equal(exit.stdout, "");
      assert.equal(
        exit.stderr,
        `gatehouse needs Node.js 24 or later (this is ${version.trim()}); in the repository, npm start and npm run cli bring their own\n`,
      );
    });
  }
});
