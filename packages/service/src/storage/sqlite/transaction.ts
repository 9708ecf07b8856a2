// One write transaction on a SQLite connection: BEGIN IMMEDIATE … COMMIT, rolled back on a throw.
import type { DatabaseSync, StatementSync } from "node:sqlite";

interface TransactionStatements {
  readonly begin: StatementSync;
  readonly commit: StatementSync;
  readonly rollback: StatementSync;
}

// Prepared once per connection: `db.exec` would parse the statement text on every transaction.
const prepared = new WeakMap<DatabaseSync, TransactionStatements>();

function statementsOf(db: DatabaseSync): TransactionStatements {
  let statements = prepared.get(db);
  if (statements === undefined) {
    statements = {
      begin: db.prepare("BEGIN IMMEDIATE"),
      commit: db.prepare("COMMIT"),
      rollback: db.prepare("ROLLBACK"),
    };
    prepared.set(db, statements);
  }
  return statements;
}

/**
 * Runs `work` under the database's write lock (`BEGIN IMMEDIATE`, which waits out the busy
 * timeout for another process's lock) and commits once. A throw rolls every step back and is
 * rethrown; a result `keep` refuses is rolled back too, and returned. `work` must be synchronous:
 * an `await` inside would let other code's statements join the transaction.
 * @example
 * const decision = inWriteTransaction(db, () => count(key, rule, now));
 */
export function inWriteTransaction<T>(
  db: DatabaseSync,
  work: () => T,
  keep: (result: T) => boolean = () => true,
): T {
  const { begin, commit, rollback } = statementsOf(db);
  begin.run();
  try {
    const result = work();
    (keep(result) ? commit : rollback).run();
    return result;
  } catch (error) {
    if (db.isTransaction) rollback.run();
    throw error;
  }
}
