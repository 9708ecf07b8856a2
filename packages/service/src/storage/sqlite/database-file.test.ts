import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { checkDatabaseFile } from "./database-file.ts";
import { createSqliteStore } from "./store.ts";

const notAFile = (what: RegExp) => ({ name: "NotADatabaseFileError", what });

describe("the SQLite database path check (issue 16)", () => {
  let directory = "";
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "gatehouse-db-path-"));
  });
  after(() => rm(directory, { recursive: true, force: true }));

  it("accepts a regular file, and a new file in an existing folder", async () => {
    const file = join(directory, "existing.db");
    await writeFile(file, "");

    checkDatabaseFile(file);
    checkDatabaseFile(join(directory, "new.db"));
  });

  it("refuses a file of the kernel's proc file system, which reads as a file", () => {
    assert.throws(() => checkDatabaseFile("/proc/self/status"), notAFile(/proc file system/));
  });

  it("refuses a new file in a kernel file system's folder", () => {
    assert.throws(() => checkDatabaseFile("/proc/gatehouse.db"), notAFile(/proc file system/));
  });

  it("refuses a device", () => {
    assert.throws(() => checkDatabaseFile("/dev/null"), notAFile(/^a device$/));
  });

  it("refuses a folder", () => {
    assert.throws(() => checkDatabaseFile(directory), notAFile(/^a folder$/));
  });

  it("refuses a socket", async () => {
    const path = join(directory, "socket");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));

    try {
      assert.throws(() => checkDatabaseFile(path), notAFile(/^a socket$/));
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("is what createSqliteStore checks before SQLite opens the path", () => {
    assert.throws(() => createSqliteStore({ path: "/proc/self/status" }), notAFile(/proc/));
  });
});
