// One write transaction on a SQLite connection: BEGIN IMMEDIATE … COMMIT, rolled back on a throw.
import type { DatabaseSync } from "node:sqlite";

/**
 * Runs `work` under the database's write lock (`BEGIN IMMEDIATE`, which waits out the busy
 * timeout for another process's lock) and commits once. A throw rolls every step back and is
 * rethrown; so does a result `keep` refuses, without the throw. `work` must be synchronous:
 * an `await` inside would let other code's statements join the transaction.
 * @example
 * const decision = inWriteTransaction(db, () => count(key, rule, now));
 */
export function inWriteTransaction<T>(
  db: DatabaseSync,
  work: () => T,
  keep: (result: T) => boolean = () => true,
): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec(keep(result) ? "COMMIT" : "ROLLBACK");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
