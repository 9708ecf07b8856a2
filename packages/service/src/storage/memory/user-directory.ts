// The UserDirectory over the memory store's records.

import type { UserRecord } from "gatehouse-auth-core/users/user";
import type { UserDirectory, UserQuery } from "gatehouse-auth-core/users/user-directory";
import { assertUserPageSize } from "gatehouse-auth-core/users/user-directory";

/** Creates a {@link UserDirectory} over `records`, which yields the memory store's users sorted by username. */
export function createMemoryUserDirectory(
  records: () => Promise<readonly UserRecord[]>,
): UserDirectory {
  return {
    async queryUsers(query: UserQuery): Promise<readonly UserRecord[]> {
      assertUserPageSize(query.limit);
      const prefix = query.prefix ?? "";
      const after = query.after;
      return (await records())
        .filter(
          (user) =>
            user.username.startsWith(prefix) &&
            (query.disabled === undefined || user.disabled === query.disabled) &&
            (after === undefined || user.username > after),
        )
        .slice(0, query.limit);
    },
  };
}
