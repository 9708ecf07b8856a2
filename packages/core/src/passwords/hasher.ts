// Password hashes, the hasher port, and the rules a password must follow.
import type { Checked } from "../brand.ts";
import { AuthError } from "../errors.ts";

/** A stored password hash (PHC string or an imported format); made by a hasher or read from the store. */
export type PasswordHash = Checked<string, "PasswordHash">;

/** The outcome of checking a password against a hash. */
export interface PasswordCheck {
  readonly matches: boolean;
  /** The hash is not in the current policy (another format or weaker parameters): rehash on login. */
  readonly needsRehash: boolean;
}

/** Hashes and verifies passwords off the event loop. */
export interface PasswordHasher {
  /** @throws {AuthError} hasher_busy when the queue is full */
  hash(password: string): Promise<PasswordHash>;
  /**
   * Checks `password` against `hash` — argon2id PHC, or bcrypt `$2a$`/`$2b$`/`$2y$`. An unknown
   * or malformed hash never matches.
   * @throws {AuthError} hasher_busy when the queue is full
   */
  verify(hash: string, password: string): Promise<PasswordCheck>;
  /** A hash of a random password in the current policy, for equal work when a user is unknown. */
  dummyHash(): Promise<PasswordHash>;
  close(): Promise<void>;
}

/** The longest password accepted, in UTF-8 bytes: long enough for any passphrase, short enough to bound work. */
export const maxPasswordBytes = 1024;

/** Tells whether a password may be hashed or checked: 1–1024 UTF-8 bytes, no NUL. */
export function isAcceptablePassword(password: string): boolean {
  return (
    password.length > 0 &&
    Buffer.byteLength(password, "utf8") <= maxPasswordBytes &&
    !password.includes("\u0000")
  );
}

/**
 * Checks a new password before hashing it.
 * @throws {AuthError} invalid_request when it is empty, longer than 1024 bytes or holds a NUL
 */
export function assertAcceptablePassword(password: string): void {
  if (!isAcceptablePassword(password)) {
    throw new AuthError("invalid_request", "password must be 1 to 1024 bytes and hold no NUL");
  }
}
