// Imports point one way (docs/development.md#where-a-change-goes): biome.json's per-folder
// noRestrictedImports rules make `npm run lint` fail on an import pointing the wrong way. This
// lints throwaway files, placed where those rules apply, in a scratch copy of the configuration.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runProcess } from "../fixtures/child-process.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const biome = join(root, "node_modules", ".bin", "biome");

/** Files whose one import points the wrong way, each under the folder whose rule refuses it. */
const wrongWay: Readonly<Record<string, string>> = {
  "packages/core/src/wrong-way.ts": "gatehouse-auth/http/app",
  "packages/core/src/users/wrong-way.ts": "hono",
  "packages/core/src/protocol/wrong-way.ts": "../grants/token-endpoint.ts",
  "packages/resource-server/src/wrong-way.ts": "gatehouse-auth/service/config",
  "packages/service/src/http/wrong-way.ts": "../storage/sqlite/store.ts",
  "packages/service/src/storage/wrong-way.ts": "../http/app.ts",
  "packages/service/src/telemetry/wrong-way.ts": "../service/config.ts",
  "packages/service/src/service/wrong-way.ts": "../server/start-server.ts",
};
/** Files importing the way the arrows point, which the rules let through. */
const rightWay: Readonly<Record<string, string>> = {
  "packages/service/src/server/right-way.ts": "../service/compose.ts",
  "packages/service/src/http/right-way.ts": "gatehouse-auth-core/protocol/error-responses",
  "packages/resource-server/src/right-way.ts": "gatehouse-auth-core/tokens/claims",
  "packages/core/src/grants/right-way.ts": "../tokens/tokens.ts",
};

/** The files `biome lint` reports a restricted import in, from its GitHub-annotation output. */
async function filesWithRestrictedImports(cwd: string): Promise<string[]> {
  const { stdout: output } = await runProcess(
    biome,
    [
      "lint",
      "--vcs-enabled=false",
      "--only=style/noRestrictedImports",
      "--reporter=github",
      "--max-diagnostics=none",
      ".",
    ],
    { cwd },
  );
  const files = [
    ...output.matchAll(/^::error title=lint\/style\/noRestrictedImports,file=([^,]+),/gm),
  ];
  // Paths come absolute; the scratch folder's prefix is cut off.
  const relative = (path: string): string => path.slice(path.indexOf("packages/"));
  return [...new Set(files.map((match) => relative(match[1] ?? "")))].sort();
}

describe("the import direction rules of biome.json", () => {
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "gatehouse-import-direction-"));
    const config = JSON.parse(await readFile(join(root, "biome.json"), "utf8")) as Record<
      string,
      unknown
    >;
    // The schema path is relative to the repository; the rules are what matters here.
    delete config["$schema"];
    await writeFile(join(scratch, "biome.json"), JSON.stringify(config));
    for (const [file, from] of Object.entries({ ...wrongWay, ...rightWay })) {
      await mkdir(join(scratch, dirname(file)), { recursive: true });
      await writeFile(
        join(scratch, file),
        `import * as other from "${from}";\n\nexport { other };\n`,
      );
    }
  });
  after(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it("fails lint on each import pointing the wrong way, and only on those", async () => {
    const refused = await filesWithRestrictedImports(scratch);

    assert.deepEqual(refused, Object.keys(wrongWay).sort());
  });
});
