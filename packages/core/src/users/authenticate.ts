import { AuthError, isAuthError } from "../errors.ts";
import type { PasswordHasher } from "../passwords/hasher.ts";
import type { UserRecord, UserStore } from "./user.ts";
import { isValidUsername } from "./user.ts";

/** What {@link authenticate} needs. */
export interface AuthenticateDeps {
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
}

/**
 * Checks a username and password and returns the active user they belong to. A hash in an older
 * format or weaker parameters is replaced by one in the current policy (passlib's
 * `deprecated="auto"`).
 *
 * Unknown user, wrong password, and a disabled user with a wrong password fail alike — same code,
 * same message, one password verification each — so neither answer nor timing reveals which
 * usernames exist.
 * @throws {AuthError} invalid_credentials
 * @throws {AuthError} inactive_user only after the right password of a disabled user
 * @throws {AuthError} hasher_busy when the hashing queue is full
 * @example
 * const user = await authenticate({ users: store.users, hasher }, "johndoe", "secret");
 */
export async function authenticate(
  deps: AuthenticateDeps,
  username: string,
  password: string,
): Promise<UserRecord> {
  // By login name: `JohnDoe` logs in to `johndoe`, the account the throttle counted it against.
  const record = isValidUsername(username) ? await deps.users.findByLogin(username) : undefined;
  // Pays for one verification even when the user is unknown, so response time does not reveal usernames.
  const hash = record?.passwordHash ?? (await deps.hasher.dummyHash());
  const check = await deps.hasher.verify(hash, password);
  if (record === undefined || !check.matches) {
    throw new AuthError("invalid_credentials", "unknown user or wrong password");
  }
  if (record.disabled) {
    throw new AuthError("inactive_user", "the user is disabled");
  }
  if (check.needsRehash) {
    return rehash(deps, record, password);
  }
  return record;
}

async function rehash(
  deps: AuthenticateDeps,
  record: UserRecord,
  password: string,
): Promise<UserRecord> {
  try {
    const passwordHash = await deps.hasher.hash(password);
    // Compare-and-set on the hash just verified: a password change that committed after this
    // login read the user must not be overwritten by the old password's new hash.
    const upgraded = await deps.users.upgradePasswordHash(
      record.username,
      record.passwordHash,
      passwordHash,
    );
    // The account as it was checked, not as the update left it: a cut-off written meanwhile must
    // stay visible to a caller comparing this record with a later read (see passwordGrant).
    return upgraded ? { ...record, passwordHash } : record;
  } catch (error) {
    // The login itself succeeded; a busy hasher only postpones the upgrade.
    if (isAuthError(error, "hasher_busy")) return record;
    throw error;
  }
}
