// What a new or changed password must be (NIST SP 800-63B-4 §3.1.1.2): long enough, and not one
// of the passwords people use most. No composition rules, no expiry.
import { createRequire } from "node:module";
import { AuthError } from "../errors.ts";

/**
 * The minimum length Gatehouse asks for by default: 15 characters, NIST SP 800-63B-4's minimum
 * for a password that is the only authentication factor, as it is at the password grant (8 is
 * NIST's minimum only when the password is used together with another factor).
 */
export const defaultMinPasswordLength = 15;

/** The rules for new and changed passwords. Imported hashes and seeded demo data are not checked. */
export interface PasswordPolicy {
  /** The fewest characters (Unicode code points) a new password may have. */
  readonly minLength: number;
  /**
   * Why `password` is refused, in words safe to show anyone (never the password itself), or
   * `undefined` when it passes. The first call loads the common-password list.
   */
  problem(password: string): string | undefined;
  /**
   * Refuses a password the policy does not accept.
   * @throws {AuthError} weak_password, its message naming the reason
   */
  check(password: string): void;
}

/** What {@link createPasswordPolicy} takes. */
export interface PasswordPolicyOptions {
  /** {@link defaultMinPasswordLength} unless given. */
  readonly minLength?: number;
  /**
   * The passwords refused whatever their length, lower case; the common-password list of
   * `@zxcvbn-ts/language-common` (about 49,000 entries) unless given. Called once, on first use.
   */
  readonly commonPasswords?: () => ReadonlySet<string>;
}

// Loaded on first use, not on import: the list is about 0.4 MB of compressed text.
function loadCommonPasswords(): ReadonlySet<string> {
  const require = createRequire(import.meta.url);
  const loaded: unknown = require("@zxcvbn-ts/language-common");
  const list =
    typeof loaded === "object" && loaded !== null && "dictionary" in loaded
      ? Reflect.get(Object(loaded.dictionary), "passwords-common")
      : undefined;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError("the common-password list of @zxcvbn-ts/language-common is missing");
  }
  return new Set(list.filter((entry): entry is string => typeof entry === "string"));
}

/**
 * Builds the password policy: at least `minLength` characters, counted as Unicode code points as
 * NIST counts them, and not on the common-password list (compared case-insensitively, so
 * `Password1` is refused like `password1`).
 * @throws {RangeError} when `minLength` is not an integer from 1 to 64 (NIST asks that at least
 * 64 characters be allowed, so no minimum may be above that)
 * @example
 * const policy = createPasswordPolicy({ minLength: 15 });
 * policy.problem("secret"); // "must be at least 15 characters"
 */
export function createPasswordPolicy(options: PasswordPolicyOptions = {}): PasswordPolicy {
  const minLength = options.minLength ?? defaultMinPasswordLength;
  if (!Number.isInteger(minLength) || minLength < 1 || minLength > 64) {
    throw new RangeError("the minimum password length must be an integer from 1 to 64");
  }
  const load = options.commonPasswords ?? loadCommonPasswords;
  let common: ReadonlySet<string> | undefined;
  const problem = (password: string): string | undefined => {
    if ([...password].length < minLength) return `must be at least ${minLength} characters`;
    common ??= load();
    if (common.has(password.normalize("NFKC").toLowerCase())) {
      return "is a commonly used password; choose another";
    }
    return undefined;
  };
  return {
    minLength,
    problem,
    check(password) {
      const why = problem(password);
      if (why !== undefined) throw new AuthError("weak_password", `the password ${why}`);
    },
  };
}
