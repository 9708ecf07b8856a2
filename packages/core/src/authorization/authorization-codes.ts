// Authorization codes (RFC 6749 §4.1.2): the opaque value, its hash, and the port that keeps them.
import { createHash, randomBytes } from "node:crypto";
import type { Checked } from "../brand.ts";

/** An authorization code as handed to a client; made only by {@link generateAuthorizationCode}. */
export type AuthorizationCode = Checked<string, "AuthorizationCode">;

/** How long a code may wait to be redeemed: RFC 6749 §4.1.2 recommends at most ten minutes, we allow 60 s. */
export const authorizationCodeLifetimeSeconds = 60;

/** What a code stands for, bound when it is issued. Times are milliseconds since the epoch. */
export interface NewAuthorizationCode {
  /** SHA-256 of the code (see {@link hashAuthorizationCode}); the value itself is never stored. */
  readonly codeHash: string;
  readonly clientId: string;
  /** The redirect URI the authorization request named; the token request must name it again. */
  readonly redirectUri: string;
  /** The S256 PKCE challenge (RFC 7636 §4.2). */
  readonly codeChallenge: string;
  /** The scopes the user approved, as names. */
  readonly scopes: readonly string[];
  readonly username: string;
  /** When the user logged in (the session's start): the code is void after a cut-off past it. */
  readonly authTime: number;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** What a redemption issued, kept so a second use of the code can take it back (RFC 6749 §4.1.2). */
export interface IssuedForCode {
  readonly familyId: string;
  readonly accessTokenId: string;
  readonly accessTokenExpiresAt: number;
}

/** A stored code. */
export interface AuthorizationCodeRecord extends NewAuthorizationCode {
  /** When it was redeemed; `null` while unused. */
  readonly usedAt: number | null;
  /** What its redemption issued; `null` while unused. */
  readonly issued: IssuedForCode | null;
}

/**
 * Where authorization codes live. Every adapter passes the authorization code contract suite.
 * {@link redeemAuthorizationCode} is one atomic step: of any number of concurrent calls for a
 * code, across every process sharing the database, at most one returns `true`.
 */
export interface AuthorizationCodeStore {
  createAuthorizationCode(code: NewAuthorizationCode): Promise<void>;
  findAuthorizationCode(codeHash: string): Promise<AuthorizationCodeRecord | undefined>;
  /**
   * Marks an unused, unexpired code used at `now`, recording what it issued. Returns `false`,
   * changing nothing, when the code is unknown, used or expired.
   */
  redeemAuthorizationCode(codeHash: string, now: number, issued: IssuedForCode): Promise<boolean>;
  /**
   * Deletes codes that expired before `before` (ms) and returns how many. A used code is kept
   * until then, so a replay within its lifetime is still recognised.
   */
  purgeAuthorizationCodes(before: number): Promise<number>;
}

// 32 bytes = 256 bits, base64url: unguessable (RFC 6749 §10.10).
const codePattern = /^[A-Za-z0-9_-]{43}$/;

/** A fresh authorization code: 256 random bits, base64url (43 characters). */
export function generateAuthorizationCode(): AuthorizationCode {
  // The one place an AuthorizationCode is made.
  return randomBytes(32).toString("base64url") as AuthorizationCode;
}

/** Tells whether `value` has the shape of a code this service issues. */
export function isAuthorizationCodeShaped(value: string): boolean {
  return codePattern.test(value);
}

/** The stored form of a code: SHA-256, base64url, so a database leak yields no usable code. */
export function hashAuthorizationCode(code: string): string {
  return createHash("sha256").update(code, "utf8").digest("base64url");
}
