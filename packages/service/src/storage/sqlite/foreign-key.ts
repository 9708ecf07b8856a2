// Translating SQLite's foreign key violation on a user reference into the toolkit's error.
import { AuthError } from "gatehouse-auth-core/errors";

// Extended result code (https://sqlite.org/rescode.html) that node:sqlite reports as `errcode`.
const SQLITE_CONSTRAINT_FOREIGNKEY = 787;

/**
 * Runs `write`; a foreign key violation — the row names a user that does not exist — becomes
 * `user_not_found`, keeping the driver's error as the cause.
 * @throws {AuthError} user_not_found
 */
export function unknownUserOnForeignKey<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (
      error instanceof Error &&
      "errcode" in error &&
      error.errcode === SQLITE_CONSTRAINT_FOREIGNKEY
    ) {
      throw new AuthError("user_not_found", "no user with this username", { cause: error });
    }
    throw error;
  }
}
