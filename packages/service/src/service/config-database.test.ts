import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeDatabase, loadSettings } from "./config.ts";

describe("the database settings", () => {
  it("selects PostgreSQL for a postgres:// URL, with a pool of 10 by default", () => {
    const settings = loadSettings({ GATEHOUSE_DATABASE_URL: "postgres://gh@db:5432/gatehouse" });

    assert.deepEqual(settings.database, {
      kind: "postgres",
      url: "postgres://gh@db:5432/gatehouse",
    });
    assert.equal(settings.databasePoolSize, 10);
  });

  it("selects PostgreSQL for a postgresql:// URL too", () => {
    const settings = loadSettings({ GATEHOUSE_DATABASE_URL: "postgresql://db/gatehouse" });

    assert.equal(settings.database.kind, "postgres");
  });

  it("reads the pool size from GATEHOUSE_DATABASE_POOL_SIZE", () => {
    const settings = loadSettings({ GATEHOUSE_DATABASE_POOL_SIZE: "25" });

    assert.equal(settings.databasePoolSize, 25);
  });

  for (const size of ["0", "-1", "ten", "1001"]) {
    it(`refuses the pool size ${size}`, () => {
      assert.throws(
        () => loadSettings({ GATEHOUSE_DATABASE_POOL_SIZE: size }),
        /GATEHOUSE_DATABASE_POOL_SIZE/,
      );
    });
  }

  it("refuses a PostgreSQL URL that names no database", () => {
    assert.throws(
      () => loadSettings({ GATEHOUSE_DATABASE_URL: "postgres://db:5432" }),
      /names no database/,
    );
  });

  it("refuses a malformed PostgreSQL URL without repeating it", () => {
    assert.throws(
      () => loadSettings({ GATEHOUSE_DATABASE_URL: "postgres://gh:hunter2@db:port/gatehouse" }),
      (error: Error) =>
        error instanceof RangeError &&
        /not a valid URL/.test(error.message) &&
        !/hunter2/.test(error.message),
    );
  });

  it("describes a PostgreSQL database with its password masked", () => {
    const settings = loadSettings({
      GATEHOUSE_DATABASE_URL: "postgres://gh:hunter2@db:5432/gatehouse?sslmode=require",
    });

    assert.equal(
      describeDatabase(settings.database),
      "postgres://gh:***@db:5432/gatehouse?sslmode=require",
    );
  });

  it("masks a password given as a query parameter", () => {
    const settings = loadSettings({
      GATEHOUSE_DATABASE_URL: "postgres://gh@db/gatehouse?password=hunter2",
    });

    assert.equal(describeDatabase(settings.database), "postgres://gh@db/gatehouse?password=***");
  });

  it("describes an SQLite database by its path", () => {
    const settings = loadSettings({ GATEHOUSE_DATABASE_URL: "sqlite:./data/x.db" });

    assert.equal(describeDatabase(settings.database), "./data/x.db");
  });
});
