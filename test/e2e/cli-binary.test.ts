import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type ProcessExit, runProcess } from "../fixtures/child-process.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

function gatehouse(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  stdin = "",
): Promise<ProcessExit> {
  return runProcess(
    process.execPath,
    ["--conditions=gatehouse-source", "packages/service/src/cli/main.ts", ...args],
    { cwd: root, env, stdin },
  );
}

describe("the gatehouse binary", () => {
  let directory: string;
  let env: Record<string, string>;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "gatehouse-bin-"));
    env = {
      GATEHOUSE_DATABASE_URL: `sqlite:${join(directory, "gatehouse.db")}`,
      GATEHOUSE_HASH_WORKERS: "1",
      GATEHOUSE_LOG_LEVEL: "silent",
    };
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("adds a user with the password on stdin, then lists it as JSON", async () => {
    const added = await gatehouse(
      ["users", "add", "alice", "--scopes", "me items", "--email", "alice@example.com"],
      env,
      "down the rabbit hole 42\n",
    );
    const listed = await gatehouse(["users", "list", "--json"], env);

    assert.equal(added.status, 0, added.stderr);
    assert.equal(added.stdout, "created user alice\n");
    assert.equal(listed.status, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout), [
      {
        username: "alice",
        email: "alice@example.com",
        fullName: null,
        disabled: false,
        scopes: ["me", "items"],
      },
    ]);
    assert.ok(!`${added.stdout}${added.stderr}${listed.stdout}`.includes("rabbit hole"));
  });
});
