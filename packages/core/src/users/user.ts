// What a user is, and the port every user store implements.
import type { Awaitable } from "../awaitable.ts";
import type { PasswordHash } from "../passwords/hasher.ts";

/** A user as the API shows it: never a hash. */
export interface User {
  readonly username: string;
  readonly email: string | null;
  readonly fullName: string | null;
  readonly disabled: boolean;
  /** The scopes this user may be granted; names as stored, checked against the catalogue on use. */
  readonly scopes: readonly string[];
}

/** A user as the store keeps it. */
export interface UserRecord extends User {
  readonly passwordHash: PasswordHash;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /**
   * The per-user cut-off in milliseconds since the epoch: tokens issued before it are refused.
   * `null` until a password change, disable or "log out everywhere" sets it.
   */
  readonly tokensValidAfter: number | null;
}

/** What it takes to create a user. */
export interface NewUser {
  readonly username: string;
  readonly email?: string | null;
  readonly fullName?: string | null;
  readonly disabled?: boolean;
  readonly scopes?: readonly string[];
  readonly passwordHash: PasswordHash;
}

/** The fields of a user that can change; absent fields stay as they are. */
export interface UserPatch {
  readonly email?: string | null;
  readonly fullName?: string | null;
  readonly disabled?: boolean;
  readonly scopes?: readonly string[];
  readonly passwordHash?: PasswordHash;
  /** Only ever moves the cut-off forward: an earlier one than stored is ignored; `null` clears it. */
  readonly tokensValidAfter?: number | null;
}

/**
 * A condition a user write must meet, checked by the store in the same atomic step as the write
 * (one transaction, under the locks that make it hold until the commit), never by a read before
 * it that a concurrent write could make stale.
 */
export interface UserWriteGuard {
  /**
   * Refuses the write with `last_user_admin` when it would leave no active (not disabled) user
   * holding this scope: the target holds it and is active now, would not be (or is deleted)
   * after the write, and no other active user holds it. Two such writes racing on two holders
   * cannot both succeed.
   */
  readonly keepActiveHolderOf?: string;
  /**
   * Refuses the write with `scope_not_held` when its patch gives the user a scope outside this
   * list that the user does not hold at the moment of the write: the acting account may grant
   * only what it holds, and may keep on the user what the user holds, but not what a concurrent
   * change has just taken away.
   */
  readonly grantableScopes?: readonly string[];
}

/**
 * Where users live. Every adapter passes `storage/contract/users.contract.ts`.
 *
 * Usernames are unique in their canonical form (`canonicalUsername`, lower case): `JohnDoe` and
 * `johndoe` cannot both be created. A database from before that rule may still hold such pairs;
 * {@link UserStore.findCaseCollisions} names them, and both stay usable by their exact names.
 *
 * "Not found" is not an error: `findByUsername` returns `undefined`.
 */
export interface UserStore {
  /**
   * The user named exactly `username` (a token's subject, an admin path). Answered at once by
   * stores that can (SQLite), so the hot path of a guard awaits nothing.
   */
  findByUsername(username: string): Awaitable<UserRecord | undefined>;
  /**
   * The user a login name refers to: the one named exactly `name`, else the one whose canonical
   * username is `canonicalUsername(name)`; `undefined` when none is, or when several are (a case
   * collision left by an older database) and none is named exactly `name`.
   */
  findByLogin(name: string): Promise<UserRecord | undefined>;
  /**
   * Groups of usernames sharing one canonical form, each group ordered by username: collisions a
   * database kept from before usernames were unique in that form. Empty once an operator has
   * resolved them (renamed by re-creating, or deleted).
   */
  findCaseCollisions(): Promise<readonly (readonly string[])[]>;
  /** @throws {AuthError} username_taken when a user with the same canonical username exists */
  createUser(user: NewUser): Promise<UserRecord>;
  /**
   * @throws {AuthError} user_not_found
   * @throws {AuthError} last_user_admin, scope_not_held when `guard` refuses the change (nothing
   * is written)
   */
  updateUser(username: string, patch: UserPatch, guard?: UserWriteGuard): Promise<UserRecord>;
  /**
   * Returns whether a user was deleted. Deleting a user deletes their items.
   * @throws {AuthError} last_user_admin when `guard` refuses the deletion (nothing is deleted)
   */
  deleteUser(username: string, guard?: UserWriteGuard): Promise<boolean>;
  /**
   * Replaces the password hash of `username` with `upgraded` only while the stored hash is still
   * `verified` (compare-and-set), leaving the token cut-off alone: the upgrade of a hash after a
   * login. Returns whether it replaced it; `false` when the user is gone or the hash changed
   * meanwhile (a password change that committed after the login read the user is never undone).
   */
  upgradePasswordHash(
    username: string,
    verified: PasswordHash,
    upgraded: PasswordHash,
  ): Promise<boolean>;
  /** Every user, ordered by username. */
  listUsers(): Promise<readonly UserRecord[]>;
  countUsers(): Promise<number>;
}

/** The public view of a record: drops the hash and timestamps. */
export function toUser(record: UserRecord): User {
  return {
    username: record.username,
    email: record.email,
    fullName: record.fullName,
    disabled: record.disabled,
    scopes: record.scopes,
  };
}

// Usernames are the token subject, so they are immutable and kept to a safe, printable set.
const usernamePattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Tells whether `name` follows the username rules: 1–64 of `A–Z a–z 0–9 . _ @ -`, not starting with a symbol. */
export function isValidUsername(name: string): boolean {
  return usernamePattern.test(name);
}
