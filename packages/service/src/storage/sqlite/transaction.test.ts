import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { beforeEach, describe, it } from "node:test";
import { inWriteTransaction } from "./transaction.ts";

describe("a SQLite write transaction", () => {
  let db: DatabaseSync;
  const count = (): unknown => db.prepare("SELECT count(*) AS n FROM t").get()?.["n"];
  beforeEach(() => {
    db = new DatabaseSync(":memory:");
    db.exec("CREATE TABLE t (x INTEGER NOT NULL)");
  });

  it("commits every step of the work once it returns", () => {
    const result = inWriteTransaction(db, () => {
      db.exec("INSERT INTO t VALUES (1), (2)");
      return "done";
    });

    assert.equal(result, "done");
    assert.equal(count(), 2);
    assert.equal(db.isTransaction, false);
  });

  it("rolls every step back when the work throws, and rethrows", () => {
    assert.throws(
      () =>
        inWriteTransaction(db, () => {
          db.exec("INSERT INTO t VALUES (1)");
          throw new Error("step two failed");
        }),
      /step two failed/,
    );

    assert.equal(count(), 0);
    assert.equal(db.isTransaction, false);
  });

  it("rolls back a result the caller refuses to keep, and still returns it", () => {
    const result = inWriteTransaction(
      db,
      () => {
        db.exec("INSERT INTO t VALUES (1)");
        return false;
      },
      (done) => done,
    );

    assert.equal(result, false);
    assert.equal(count(), 0);
  });

  it("runs one transaction after another on the same connection", () => {
    for (let i = 0; i < 3; i++) inWriteTransaction(db, () => db.exec("INSERT INTO t VALUES (1)"));

    assert.equal(count(), 3);
  });
});
