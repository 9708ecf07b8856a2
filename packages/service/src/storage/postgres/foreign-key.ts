// Translating PostgreSQL's foreign key violation on a user reference into the toolkit's error.
import { AuthError } from "gatehouse-auth-core/errors";
import { sqlState, sqlStateOf } from "./rows.ts";

/**
 * Runs `write`; a foreign key violation — the row names a user that does not exist — becomes
 * `user_not_found`, keeping the driver's error as the cause.
 * @throws {AuthError} user_not_found
 */
export async function unknownUserOnForeignKey<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (sqlStateOf(error) === sqlState.foreignKeyViolation) {
      throw new AuthError("user_not_found", "no user with this username", { cause: error });
    }
    throw error;
  }
}
