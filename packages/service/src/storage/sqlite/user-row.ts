// A users row as node:sqlite returns it, checked and turned into a UserRecord.
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { UserRecord } from "gatehouse-auth-core/users/user";

/** The columns of `users` every SQLite query reading a whole user selects, in this order. */
export const sqliteUserColumns =
  "username, email, full_name, disabled, scopes, password_hash, created_at, updated_at, tokens_valid_after";

// Checked by hand rather than with a zod schema: this runs on every authorized request, and the
// schema's parse was two fifths of the user load there (issue 6 profile).
const isText = (value: unknown): value is string => typeof value === "string";
const isTextOrNull = (value: unknown): value is string | null => value === null || isText(value);
const isInteger = (value: unknown): value is number => Number.isSafeInteger(value);
const isIntegerOrNull = (value: unknown): value is number | null =>
  value === null || isInteger(value);

/**
 * Reads one row of `sqliteUserColumns`.
 * @throws {TypeError} for a malformed row — a foreign writer or a missed migration, a configuration
 * error rather than an expected failure; the message never holds a column's value
 */
export function readSqliteUserRow(row: unknown): UserRecord {
  if (typeof row !== "object" || row === null) throw new TypeError("malformed row in users");
  const r = row as Record<string, unknown>;
  const {
    username,
    email,
    full_name: fullName,
    disabled,
    scopes,
    password_hash: passwordHash,
    created_at: createdAt,
    updated_at: updatedAt,
    tokens_valid_after: tokensValidAfter,
  } = r;
  if (
    !isText(username) ||
    !isTextOrNull(email) ||
    !isTextOrNull(fullName) ||
    (disabled !== 0 && disabled !== 1) ||
    !isText(scopes) ||
    !isText(passwordHash) ||
    passwordHash === "" ||
    !isInteger(createdAt) ||
    !isInteger(updatedAt) ||
    !isIntegerOrNull(tokensValidAfter)
  ) {
    throw new TypeError("malformed row in users");
  }
  return {
    username,
    email,
    fullName,
    disabled: disabled === 1,
    scopes: scopes === "" ? [] : scopes.split(" "),
    // The one place a stored string becomes a PasswordHash: it was checked just above, and only a
    // hasher's output is ever written to this column.
    passwordHash: passwordHash as PasswordHash,
    createdAt,
    updatedAt,
    tokensValidAfter,
  };
}
