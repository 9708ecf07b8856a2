// The UserDirectory on PostgreSQL: filtered, keyset-paginated reads of the users table.

import type { UserRecord } from "gatehouse-auth-core/users/user";
import type { UserDirectory, UserQuery } from "gatehouse-auth-core/users/user-directory";
import { assertUserPageSize } from "gatehouse-auth-core/users/user-directory";
import type { Queryable } from "./pool.ts";
import { postgresUserColumns, readPostgresUser } from "./users.ts";

// substr/length instead of LIKE: a prefix holding % or _ needs no escaping. username is
// COLLATE "C", so `>` and ORDER BY are byte order, as in the other adapters.
const select = `SELECT ${postgresUserColumns}
  FROM users
  WHERE ($1::text IS NULL OR substr(username, 1, length($1::text)) = $1::text)
    AND ($2::boolean IS NULL OR disabled = $2::boolean)
    AND ($3::text IS NULL OR username > $3::text)
  ORDER BY username
  LIMIT $4`;

/** Creates the {@link UserDirectory} on a migrated PostgreSQL database. */
export function createPostgresUserDirectory(db: Queryable): UserDirectory {
  return {
    async queryUsers(query: UserQuery): Promise<readonly UserRecord[]> {
      assertUserPageSize(query.limit);
      const rows = await db.rows(select, [
        query.prefix ?? null,
        query.disabled ?? null,
        query.after ?? null,
        query.limit,
      ]);
      return rows.map(readPostgresUser);
    },
  };
}
