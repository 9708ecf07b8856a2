// The UserDirectory on SQLite: filtered, keyset-paginated reads of the users table.

import type { DatabaseSync } from "node:sqlite";
import type { UserRecord } from "gatehouse-auth-core/users/user";
import type { UserDirectory, UserQuery } from "gatehouse-auth-core/users/user-directory";
import { assertUserPageSize } from "gatehouse-auth-core/users/user-directory";
import { sqliteUserColumns } from "./user-row.ts";

/** Creates the {@link UserDirectory} on an open, migrated SQLite database. */
export function createSqliteUserDirectory(
  db: DatabaseSync,
  readUser: (row: unknown) => UserRecord,
): UserDirectory {
  // substr/length instead of LIKE: a prefix holding % or _ needs no escaping, and PostgreSQL
  // runs the same condition.
  const select = db.prepare(
    `SELECT ${sqliteUserColumns}
     FROM users
     WHERE (:prefix IS NULL OR substr(username, 1, length(:prefix)) = :prefix)
       AND (:disabled IS NULL OR disabled = :disabled)
       AND (:after IS NULL OR username > :after)
     ORDER BY username
     LIMIT :limit`,
  );
  return {
    async queryUsers(query: UserQuery): Promise<readonly UserRecord[]> {
      assertUserPageSize(query.limit);
      return select
        .all({
          prefix: query.prefix ?? null,
          disabled: query.disabled === undefined ? null : query.disabled ? 1 : 0,
          after: query.after ?? null,
          limit: query.limit,
        })
        .map(readUser);
    },
  };
}
