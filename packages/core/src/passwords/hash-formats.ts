// The stored-hash formats Gatehouse can verify, recognised by shape before a hash is accepted on import.
import { AuthError } from "../errors.ts";
import type { PasswordHash } from "./hasher.ts";

/** The families of password hash the hasher verifies. */
export type PasswordHashFormat = "argon2" | "bcrypt" | "pbkdf2_sha256";

/** The most PBKDF2 iterations accepted: Django's current default is about 1.2 million. */
export const maxPbkdf2Iterations = 10_000_000;

// PHC strings as passlib, pwdlib and argon2-cffi write them (unpadded standard base64).
const argon2Phc =
  /^\$argon2(?:id|i|d)\$v=\d{1,3}\$m=\d{1,10},t=\d{1,10},p=\d{1,3}\$[A-Za-z0-9+/]{8,}\$[A-Za-z0-9+/]{16,}$/;
// Modular crypt format: cost 04–31, then 22 salt and 31 hash characters of bcrypt's alphabet.
const bcryptMcf = /^\$2[aby]\$(?:0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;
// Django: algorithm$iterations$salt$base64(32-byte SHA-256 PBKDF2 output).
const djangoPbkdf2 =
  /^pbkdf2_sha256\$([1-9]\d{0,7})\$[A-Za-z0-9./+=_-]{1,128}\$[A-Za-z0-9+/]{43}=$/;

/** The format of `hash`, or `undefined` when it is not one Gatehouse can verify. */
export function passwordHashFormat(hash: string): PasswordHashFormat | undefined {
  if (argon2Phc.test(hash)) return "argon2";
  if (bcryptMcf.test(hash)) return "bcrypt";
  const pbkdf2 = djangoPbkdf2.exec(hash);
  if (pbkdf2?.[1] !== undefined && Number(pbkdf2[1]) <= maxPbkdf2Iterations) return "pbkdf2_sha256";
  return undefined;
}

/**
 * Accepts a hash brought from another system (FastAPI with passlib or pwdlib, Django) after
 * checking its shape; it is verified, and upgraded to argon2id, at the user's next login.
 * @throws {AuthError} invalid_request when the hash is in no supported format
 */
export function importedPasswordHash(hash: string): PasswordHash {
  if (passwordHashFormat(hash) === undefined) {
    throw new AuthError(
      "invalid_request",
      "hashed_password is not an argon2, bcrypt ($2a$/$2b$/$2y$) or pbkdf2_sha256 hash",
    );
  }
  // The one place an imported string becomes a PasswordHash: its format was checked just above.
  return hash as PasswordHash;
}
