// Device codes (RFC 8628): the two codes a device authorization hands out, how they are stored,
// and the port of the store that keeps them.
import { createHash, randomBytes, randomInt } from "node:crypto";

/** Where a device authorization stands. */
export type DeviceCodeState =
  /** Waiting for the user to enter the user code and decide. */
  | "pending"
  /** A user approved it; `username` and `grantedScopes` say who and what. */
  | "approved"
  /** A user denied it. */
  | "denied"
  /** Its approval was exchanged for tokens: it never yields tokens again. */
  | "redeemed";

/** A stored device authorization. Times are milliseconds since the epoch. */
export interface DeviceCodeRecord {
  /** SHA-256 of the device code (see {@link hashDeviceCode}); the code itself is never stored. */
  readonly deviceCodeHash: string;
  /** SHA-256 of the normalized user code (see {@link hashUserCode}). */
  readonly userCodeHash: string;
  /** The client that asked; only it may redeem the code. */
  readonly clientId: string;
  /** The scopes the client asked for, already cut to those the client is allowed. */
  readonly scopes: readonly string[];
  readonly createdAt: number;
  /** Past this instant the code is refused (`expired_token`) whatever its state. */
  readonly expiresAt: number;
  /** The least time between two polls, in seconds; grows by 5 with each poll too early. */
  readonly intervalSeconds: number;
  /** When the client last polled at `/token`; `null` before the first poll. */
  readonly lastPolledAt: number | null;
  readonly state: DeviceCodeState;
  /** Who approved or denied it; `null` while pending. */
  readonly username: string | null;
  /** The scopes the user approved; empty unless approved or redeemed. */
  readonly grantedScopes: readonly string[];
  /** When the user decided; `null` while pending. */
  readonly decidedAt: number | null;
}

/** A device authorization about to be stored: pending, never polled. */
export interface NewDeviceCode {
  readonly deviceCodeHash: string;
  readonly userCodeHash: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly intervalSeconds: number;
}

/** A user's decision on a pending device authorization. */
export type DeviceDecision =
  | {
      readonly kind: "approved";
      readonly username: string;
      readonly scopes: readonly string[];
    }
  | { readonly kind: "denied"; readonly username: string };

/** What one poll found: the record as the poll left it, and whether it came too early. */
export interface DevicePoll {
  readonly record: DeviceCodeRecord;
  /** The poll came sooner than the interval after the previous one (RFC 8628 §3.5 slow_down). */
  readonly tooFast: boolean;
}

/**
 * Where device authorizations live. Every adapter passes the device code contract suite.
 *
 * Every method that changes a record is one atomic step in the store (a single statement or a
 * transaction): of any number of concurrent calls on one code, across every process sharing
 * the database, they take effect one after another — in particular at most one
 * {@link redeemDeviceCode} returns the record, and at most one {@link decideDeviceCode}.
 */
export interface DeviceCodeStore {
  /**
   * Stores a new pending authorization. Returns `false`, storing nothing, when an unexpired
   * authorization holds the same user code (the caller draws another); an expired one holding
   * it is deleted first.
   */
  createDeviceCode(code: NewDeviceCode, now: number): Promise<boolean>;
  findDeviceCode(deviceCodeHash: string): Promise<DeviceCodeRecord | undefined>;
  /** The authorization holding this user code, whatever its state; `undefined` when none. */
  findUserCode(userCodeHash: string): Promise<DeviceCodeRecord | undefined>;
  /**
   * Records a user's decision on a `pending`, unexpired authorization and returns it as decided;
   * `undefined`, changing nothing, when it is not pending, has expired or does not exist.
   */
  decideDeviceCode(
    userCodeHash: string,
    decision: DeviceDecision,
    now: number,
  ): Promise<DeviceCodeRecord | undefined>;
  /**
   * Records a poll at `now`, as {@link applyDevicePoll} decides it; `undefined` for an unknown
   * code.
   */
  pollDeviceCode(deviceCodeHash: string, now: number): Promise<DevicePoll | undefined>;
  /**
   * Marks an `approved`, unexpired authorization `redeemed` and returns it; `undefined`,
   * changing nothing, when it is in any other state, expired or unknown.
   */
  redeemDeviceCode(deviceCodeHash: string, now: number): Promise<DeviceCodeRecord | undefined>;
  /** Deletes the authorizations that expired before `before`; returns how many. */
  purgeDeviceCodes(before: number): Promise<number>;
}

/**
 * The reference semantics of {@link DeviceCodeStore.pollDeviceCode}: a poll sooner than
 * `intervalSeconds` after the previous one is too fast and adds 5 s to the interval, "for this
 * and all subsequent requests" (RFC 8628 §3.5); every poll becomes the last one.
 */
export function applyDevicePoll(record: DeviceCodeRecord, now: number): DevicePoll {
  const tooFast =
    record.lastPolledAt !== null && now - record.lastPolledAt < record.intervalSeconds * 1000;
  return {
    record: {
      ...record,
      lastPolledAt: now,
      intervalSeconds: tooFast ? record.intervalSeconds + slowDownSeconds : record.intervalSeconds,
    },
    tooFast,
  };
}

/** RFC 8628 §3.5: each `slow_down` adds this many seconds to the polling interval. */
export const slowDownSeconds = 5;

/**
 * The characters of a user code: RFC 8628 §6.1's example set — consonants only, so no word can be
 * spelled and no character is confused with a digit (no O/0, I/1), and one case.
 */
export const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ";

/** Characters in a user code: 20^8 ≈ 2^34.6 codes, shown as `XXXX-XXXX`. */
const userCodeLength = 8;

const normalizedUserCode = new RegExp(`^[${userCodeAlphabet}]{${userCodeLength}}$`);

// 32 bytes = 256 bits, like a refresh token: the device code is a bearer credential at /token.
const deviceCodePattern = /^[A-Za-z0-9_-]{43}$/;

/** A fresh device code: 256 random bits, base64url (43 characters). */
export function generateDeviceCode(): string {
  return randomBytes(32).toString("base64url");
}

/** Tells whether `value` has the shape of a device code this service issues. */
export function isDeviceCodeShaped(value: string): boolean {
  return deviceCodePattern.test(value);
}

/** The stored form of a device code: SHA-256, base64url. */
export function hashDeviceCode(deviceCode: string): string {
  return createHash("sha256").update(deviceCode, "utf8").digest("base64url");
}

/** A fresh user code, normalized (8 characters of {@link userCodeAlphabet}, no dash). */
export function generateUserCode(): string {
  let code = "";
  // randomInt draws without modulo bias.
  for (let i = 0; i < userCodeLength; i++)
    code += userCodeAlphabet.charAt(randomInt(userCodeAlphabet.length));
  return code;
}

/** A normalized user code as shown to people: `BCDF-GHJK`. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * What a person typed, as a normalized user code: case ignored, dashes and spaces dropped
 * (RFC 8628 §6.1). `undefined` when the rest is not 8 characters of the alphabet — no stored
 * code can match it.
 */
export function normalizeUserCode(input: string): string | undefined {
  const code = input.replace(/[\s-]/g, "").toUpperCase();
  return normalizedUserCode.test(code) ? code : undefined;
}

/**
 * The stored form of a normalized user code: SHA-256, base64url. With only 2^34.6 codes this
 * does not stop an offline search of a leaked table, but a code lives minutes and is worth
 * nothing once decided; it keeps live codes out of plain sight in backups and logs.
 */
export function hashUserCode(normalized: string): string {
  return createHash("sha256").update(`user-code:${normalized}`, "utf8").digest("base64url");
}
