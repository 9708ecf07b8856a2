import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { migrateSqlite } from "./migrate.ts";
import { createSqliteReadiness } from "./readiness.ts";

let root = "";
before(() => {
  root = mkdtempSync(join(tmpdir(), "gatehouse-ready-"));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("SQLite readiness", () => {
  it("is not ready while a shipped migration has not been applied", async () => {
    const directory = mkdtempSync(join(root, "migrations-"));
    writeFileSync(join(directory, "001-first.sql"), "CREATE TABLE first (id INTEGER) STRICT;");
    const db = new DatabaseSync(":memory:");
    migrateSqlite(db, { directory: pathToFileURL(`${directory}/`) });
    writeFileSync(join(directory, "002-second.sql"), "CREATE TABLE second (id INTEGER) STRICT;");

    const readiness = await createSqliteReadiness(db, pathToFileURL(`${directory}/`)).checkReady();

    assert.deepEqual(readiness, { ok: false, detail: "migrations pending" });
    db.close();
  });

  it("is not ready when the schema cannot be checked, and does not throw", async () => {
    const db = new DatabaseSync(":memory:");
    const missing = pathToFileURL(`${join(root, "no-such-folder")}/`);

    const readiness = await createSqliteReadiness(db, missing).checkReady();

    assert.deepEqual(readiness, { ok: false, detail: "database unreachable" });
    db.close();
  });

  it("is not ready when the database answers reads but refuses writes", async () => {
    const db = new DatabaseSync(":memory:");
    migrateSqlite(db);
    db.exec("PRAGMA query_only = ON");

    const readiness = await createSqliteReadiness(db).checkReady();

    assert.deepEqual(readiness, { ok: false, detail: "database not writable" });
    db.close();
  });

  it("is ready on a migrated, writable database, and its probe changes nothing", async () => {
    const db = new DatabaseSync(":memory:");
    migrateSqlite(db);
    const before = db.prepare("SELECT total_changes() AS changes").get();

    const readiness = await createSqliteReadiness(db).checkReady();

    assert.deepEqual(readiness, { ok: true, detail: "ready" });
    assert.deepEqual(db.prepare("SELECT total_changes() AS changes").get(), before);
    db.close();
  });
});
