// The TypeScript examples of the docs pages users copy from compile against the code as it is: each
// ```ts block is written as a file of its own into a scratch project that sees this repository's
// node_modules, and the repository's tsc checks them with the gatehouse-source condition (the
// packages' sources, no build). A block must stand alone: a name it uses and does not declare fails.
// A block that quotes the service's own sources is marked ```ts excerpt and left out.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type ProcessExit, runProcess } from "../fixtures/child-process.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
/** The pages whose examples use the packages' APIs (the packages' READMEs are checked by packages.test.ts). */
const pages = [
  "docs/toolkit.md",
  "docs/resource-servers.md",
  "docs/migrating-from-fastapi.md",
] as const;

interface Example {
  readonly page: string;
  readonly line: number;
  readonly code: string;
}

async function examplesOf(page: string): Promise<Example[]> {
  const text = await readFile(join(root, page), "utf8");
  return [...text.matchAll(/^( *)```ts\n([\s\S]*?)^\1```$/gm)].map((match) => {
    const indent = match[1] ?? "";
    const code = (match[2] ?? "")
      .split("\n")
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join("\n");
    return { page, line: text.slice(0, match.index).split("\n").length + 1, code };
  });
}

/** Runs the repository's tsc on the scratch project in `cwd`. */
function tsc(cwd: string): Promise<ProcessExit> {
  return runProcess(
    process.execPath,
    [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"],
    { cwd },
  );
}

describe("the docs' TypeScript examples", () => {
  let scratch: string;
  const files = new Map<string, Example>();

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), "gatehouse-doc-examples-"));
    await symlink(join(root, "node_modules"), join(scratch, "node_modules"), "dir");
    const { compilerOptions } = JSON.parse(await readFile(join(root, "tsconfig.json"), "utf8")) as {
      compilerOptions: Record<string, unknown>;
    };
    // Strict as the repository, except that an example may declare a value only to show it.
    const options = { ...compilerOptions, noUnusedLocals: false, noUnusedParameters: false };
    await writeFile(join(scratch, "package.json"), JSON.stringify({ type: "module" }));
    await writeFile(
      join(scratch, "tsconfig.json"),
      JSON.stringify({ compilerOptions: options, include: ["*.ts"] }),
    );
    for (const page of pages) {
      for (const example of await examplesOf(page)) {
        const file = `${page.replace(/\W/g, "-")}-line-${example.line}.ts`;
        files.set(file, example);
        // Every block is a module of its own, even one without an import.
        await writeFile(join(scratch, file), `${example.code}\nexport {};\n`);
      }
    }
  });
  after(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it("finds TypeScript examples on every page", () => {
    const found = new Set([...files.values()].map((example) => example.page));

    assert.deepEqual([...found].sort(), [...pages].sort());
  });

  it("type-checks every example on its own against the packages' sources", async () => {
    const { status, stdout, stderr } = await tsc(scratch);

    // tsc names the scratch file; the file name carries the page and the line of the block.
    assert.equal(status, 0, `${stdout}${stderr}`);
  });
});
