// Answers to the reads every authorized request makes (its user, its token's revocation),
// remembered for as long as the database provably has not changed.
import type { DatabaseSync } from "node:sqlite";

/** A memo of read answers that holds only while nothing was written to the database. */
export interface SqliteReadMemo {
  /**
   * The answer `load` gives for `key` among the answers of `kind`, from the memo when nothing was
   * committed since it was loaded — by this connection or any other, in this process or another.
   * The two parts stay apart so a key is never a string built per call: a string the caller
   * already holds (a verified token's subject) is hashed once, not on every lookup.
   */
  read<T>(kind: string, key: string, load: () => T): T;
  /** Drops every answer: called by each write, on this connection, to what the memo holds. */
  forget(): void;
}

/**
 * Creates a memo on `db` holding at most `capacity` answers.
 *
 * The first read of each synchronous run of code asks SQLite for the database's change stamp:
 * `data_version`, which moves when another connection commits, and `total_changes()`, which
 * moves when this one writes. A different stamp empties the memo, so an answer is never older
 * than the last commit made before the run began; the run's reads all happen at that instant.
 * Writes on this connection within the run call {@link SqliteReadMemo.forget}. The one step
 * replaces the lookups it saves (the user row, checked field by field, and the denylist probe: a
 * fifth of `/users/me/` in the issue 6 profile) while keeping a revocation, a disabled user or a
 * deleted user effective on the next request, on every instance.
 */
export function createSqliteReadMemo(db: DatabaseSync, capacity = 10_000): SqliteReadMemo {
  const stampOf = db.prepare(
    "SELECT data_version AS version, total_changes() AS changes FROM pragma_data_version()",
  );
  stampOf.setReturnArrays(true);
  let version: unknown;
  let changes: unknown;
  let checkedThisRun = false;
  const endRun = (): void => {
    checkedThisRun = false;
  };
  const kinds = new Map<string, Map<string, unknown>>();
  let size = 0;
  const clear = (): void => {
    kinds.clear();
    size = 0;
  };
  return {
    read<T>(kind: string, key: string, load: () => T): T {
      if (!checkedThisRun) {
        checkedThisRun = true;
        queueMicrotask(endRun);
        const stamp = stampOf.get() as unknown as readonly unknown[] | undefined;
        if (stamp?.[0] !== version || stamp?.[1] !== changes) {
          clear();
          version = stamp?.[0];
          changes = stamp?.[1];
        }
      }
      let answers = kinds.get(kind);
      if (answers?.has(key) === true) return answers.get(key) as T; // stored by this key below
      if (size >= capacity) {
        clear();
        answers = undefined;
      }
      const answer = load();
      if (answers === undefined) {
        answers = new Map<string, unknown>();
        kinds.set(kind, answers);
      }
      answers.set(key, answer);
      size++;
      return answer;
    },
    forget: clear,
  };
}
