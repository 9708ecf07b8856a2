import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NotADatabaseFileError } from "../storage/sqlite/database-file.ts";
import { loadSettings } from "./config.ts";
import { explainDatabaseFailure } from "./database-failure.ts";

function systemError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

const postgres = loadSettings({
  GATEHOUSE_DATABASE_URL: "postgres://gatehouse:hunter2@db.internal:5432/auth",
}).database;
const sqlite = loadSettings({ GATEHOUSE_DATABASE_URL: "sqlite:/srv/data/gatehouse.db" }).database;

describe("database failures", () => {
  it("names the server without user or password, and the setting, when PostgreSQL refuses", () => {
    const wrapped = new Error("cannot connect", { cause: systemError("ECONNREFUSED") });

    const message = explainDatabaseFailure(wrapped, postgres)?.message ?? "";

    assert.match(
      message,
      /^cannot connect to PostgreSQL at db\.internal:5432\/auth: connection refused .*; check GATEHOUSE_DATABASE_URL$/,
    );
    assert.doesNotMatch(message, /hunter2|gatehouse@/);
  });

  for (const [code, reason] of [
    ["3D000", /the database does not exist/],
    ["28P01", /password authentication failed/],
    ["28000", /refused this user/],
    ["ENOTFOUND", /does not resolve/],
    ["25006", /^cannot write to PostgreSQL at .*read-only/],
  ] as const) {
    it(`says why for PostgreSQL's ${code}`, () => {
      assert.match(explainDatabaseFailure(systemError(code), postgres)?.message ?? "", reason);
    });
  }

  it("recognises pg's connection timeout by its message", () => {
    const timeout = new Error("cannot connect", { cause: new Error("timeout expired") });

    assert.match(explainDatabaseFailure(timeout, postgres)?.message ?? "", /timed out/);
  });

  it("names the SQLite path and the setting when the folder cannot be made", () => {
    assert.equal(
      explainDatabaseFailure(systemError("EROFS"), sqlite)?.message,
      "cannot use the SQLite database /srv/data/gatehouse.db: the file system is read-only; set GATEHOUSE_DATABASE_URL to a path this process can write",
    );
  });

  it("says what a SQLite path that is no database file is (issue 16)", () => {
    const wrapped = new Error("opening failed", {
      cause: new NotADatabaseFileError("/srv/data/gatehouse.db", "a folder"),
    });

    assert.equal(
      explainDatabaseFailure(wrapped, sqlite)?.message,
      "cannot use the SQLite database /srv/data/gatehouse.db: it is a folder, not a database file; set GATEHOUSE_DATABASE_URL to a path this process can write",
    );
  });

  it("reads SQLite's primary result code from an extended one", () => {
    const readOnly = Object.assign(new Error("attempt to write a readonly database"), {
      code: "ERR_SQLITE_ERROR",
      errcode: 8 | (1 << 8),
    });

    assert.match(explainDatabaseFailure(readOnly, sqlite)?.message ?? "", /is read-only/);
  });

  it("leaves an error of unknown cause alone", () => {
    assert.equal(explainDatabaseFailure(new Error("odd"), sqlite), undefined);
    assert.equal(explainDatabaseFailure(new Error("odd"), postgres), undefined);
    assert.equal(explainDatabaseFailure(systemError("EWHATEVER"), postgres), undefined);
  });
});
