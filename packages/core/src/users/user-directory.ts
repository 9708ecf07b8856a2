// Browsing users page by page: the port behind the admin API's user list.
import type { UserRecord } from "./user.ts";

/** A filter and a page position over users, ordered by username. */
export interface UserQuery {
  /** Only usernames starting with this text (compared exactly, case-sensitive). */
  readonly prefix?: string;
  readonly disabled?: boolean;
  /** Only usernames after this one: the last username of the previous page. */
  readonly after?: string;
  /** Page size, 1 to {@link maxUserPageSize}. */
  readonly limit: number;
}

/** The largest page {@link UserDirectory.queryUsers} returns. */
export const maxUserPageSize = 200;

/** Finds users by filter, a page at a time. Every adapter passes `storage/user-directory.contract.ts`. */
export interface UserDirectory {
  /**
   * Up to `limit` users matching `query`, ordered by username.
   * @throws {RangeError} when `limit` is outside 1 to {@link maxUserPageSize}
   */
  queryUsers(query: UserQuery): Promise<readonly UserRecord[]>;
}

/** Checks a page size for {@link UserDirectory.queryUsers}; adapters call it first. */
export function assertUserPageSize(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxUserPageSize) {
    throw new RangeError(`limit must be an integer from 1 to ${maxUserPageSize}`);
  }
}
