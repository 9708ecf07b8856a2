import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadDotEnv } from "./env-file.ts";

describe("loadDotEnv", () => {
  let root = "";
  const names = ["GATEHOUSE_ENV_FILE_TEST_A", "GATEHOUSE_ENV_FILE_TEST_B"];
  before(() => {
    root = mkdtempSync(join(tmpdir(), "gatehouse-dotenv-"));
  });
  after(() => {
    for (const name of names) delete process.env[name];
    rmSync(root, { recursive: true, force: true });
  });

  it("reads .env into the environment, where variables already set win", () => {
    const directory = join(root, "with-file");
    mkdirSync(directory);
    writeFileSync(
      join(directory, ".env"),
      "GATEHOUSE_ENV_FILE_TEST_A=from-file\nGATEHOUSE_ENV_FILE_TEST_B=from-file\n",
    );
    process.env["GATEHOUSE_ENV_FILE_TEST_A"] = "from-environment";

    const read = loadDotEnv(directory);

    assert.equal(read, true);
    assert.equal(process.env["GATEHOUSE_ENV_FILE_TEST_A"], "from-environment");
    assert.equal(process.env["GATEHOUSE_ENV_FILE_TEST_B"], "from-file");
  });

  it("is no error when there is no .env", () => {
    assert.equal(loadDotEnv(join(root)), false);
  });

  it("fails with a start-up error naming the file when .env cannot be read", () => {
    const directory = join(root, "with-folder");
    mkdirSync(join(directory, ".env"), { recursive: true });

    assert.throws(() => loadDotEnv(directory), {
      name: "StartupError",
      message: new RegExp(`^cannot read ${join(directory, ".env")} .*; fix or remove it$`),
    });
  });
});
