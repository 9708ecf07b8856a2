// Refresh tokens: the opaque value, its hash, the lifetimes, and the port of the store that keeps families.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { Checked } from "../brand.ts";
import type { Clock } from "../clock.ts";
import type { Scope } from "../scopes.ts";

/** An opaque refresh token as handed to a client; made only by {@link generateRefreshToken}. */
export type RefreshToken = Checked<string, "RefreshToken">;

/** Where a refresh token stands in its family. */
export type RefreshTokenState =
  /** The family's one live token. */
  | "active"
  /** Spent by a rotation; `successorHash` names the token it was exchanged for. */
  | "rotated"
  /** A rotated token whose one grace-window retry was used. */
  | "retried"
  /** A successor replaced by a grace-window retry of its predecessor. */
  | "discarded";

/** A stored refresh token joined with its family. Times are milliseconds since the epoch. */
export interface RefreshTokenRecord {
  /** SHA-256 of the token (see {@link hashRefreshToken}); the value itself is never stored. */
  readonly tokenHash: string;
  readonly familyId: string;
  readonly username: string;
  /**
   * The client the family was issued to (RFC 6749 §6: only it may refresh); `null` for the
   * client-less password login.
   */
  readonly clientId: string | null;
  /** The family's scopes, as granted at login; every token of the family carries them. */
  readonly scopes: readonly string[];
  readonly state: RefreshTokenState;
  readonly issuedAt: number;
  /** The idle deadline, capped by the family's absolute one. */
  readonly expiresAt: number;
  readonly spentAt: number | null;
  readonly successorHash: string | null;
  readonly familyCreatedAt: number;
  /** The family's absolute deadline. */
  readonly familyExpiresAt: number;
  readonly familyRevoked: boolean;
}

/** A refresh token about to be stored. */
export interface NewRefreshToken {
  readonly tokenHash: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** A family about to be stored, with its first token. */
export interface NewRefreshFamily {
  readonly familyId: string;
  readonly username: string;
  /** The client the family is issued to; `null` for the client-less password login. */
  readonly clientId: string | null;
  readonly scopes: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly token: NewRefreshToken;
}

/**
 * Where refresh token families live. Every adapter passes `storage/refresh-token-store.contract.ts`.
 *
 * The two exchanging methods are single atomic steps (compare-and-set): of any number of
 * concurrent calls for the same token, across every process sharing the database, at most one
 * returns `true`.
 */
export interface RefreshTokenStore {
  /** Stores a new family and its first token. */
  createRefreshFamily(family: NewRefreshFamily): Promise<void>;
  findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Exchanges an `active`, unexpired token of an unrevoked family for `successor`: the token
   * becomes `rotated` (spent at `now`, pointing at the successor) and the successor `active`.
   * Returns `false`, changing nothing, when any of those conditions does not hold.
   */
  rotateRefreshToken(tokenHash: string, successor: NewRefreshToken, now: number): Promise<boolean>;
  /**
   * The grace-window retry: for a `rotated` token spent at or after `spentSince`, whose successor
   * is still `active`, in an unrevoked family — the successor becomes `discarded`, the token
   * `retried` (pointing at `successor`) and `successor` the family's `active` token. Returns
   * `false`, changing nothing, when any of those conditions does not hold.
   */
  retryRefreshToken(
    tokenHash: string,
    successor: NewRefreshToken,
    now: number,
    spentSince: number,
  ): Promise<boolean>;
  /** Marks a family revoked; every token of it is refused from then on. Idempotent. */
  revokeRefreshFamily(familyId: string, now: number): Promise<void>;
  /** Revokes every unrevoked family of `username` and returns how many. */
  revokeRefreshFamiliesOf(username: string, now: number): Promise<number>;
  /**
   * The latest `issuedAt` of any refresh token of `username`'s families (ms), `null` when there
   * is none. Read after {@link revokeRefreshFamiliesOf}, it sees every exchange that got in
   * before the revocation: a cut-off placed after it also covers their access tokens.
   */
  lastRefreshIssuedAt(username: string): Promise<number | null>;
  /** Deletes the families (and their tokens) whose absolute lifetime ended; returns how many. */
  purgeRefreshFamilies(now: number): Promise<number>;
}

/** How long refresh tokens live and how forgiving reuse detection is, in seconds. */
export interface RefreshPolicy {
  /** A family ends this long after the login that started it, however often it is used. */
  readonly absoluteLifetimeSeconds: number;
  /** A refresh token not used for this long expires (each rotation starts a new one). */
  readonly idleLifetimeSeconds: number;
  /** How long after a rotation its spent token may be retried once; 0 turns retries off. */
  readonly reuseGraceSeconds: number;
}

/** 30 days absolute, 7 days idle, a 10-second retry window. */
export const defaultRefreshPolicy: RefreshPolicy = Object.freeze({
  absoluteLifetimeSeconds: 30 * 24 * 60 * 60,
  idleLifetimeSeconds: 7 * 24 * 60 * 60,
  reuseGraceSeconds: 10,
});

// 32 bytes = 256 bits of entropy (RFC 9700 §4.14 wants refresh tokens unguessable), base64url.
const refreshTokenBytes = 32;
const refreshTokenPattern = /^[A-Za-z0-9_-]{43}$/;

/** A fresh refresh token: 256 random bits from `node:crypto`, base64url (43 characters). */
function generateRefreshToken(): RefreshToken {
  // The one place a RefreshToken is made.
  return randomBytes(refreshTokenBytes).toString("base64url") as RefreshToken;
}

/** Tells whether `value` has the shape of a refresh token this service issues (and not a JWT). */
export function isRefreshTokenShaped(value: string): boolean {
  return refreshTokenPattern.test(value);
}

/**
 * The stored form of a refresh token: SHA-256, base64url. A database leak yields no usable
 * token, and a 256-bit random value needs no salt or slow hash.
 */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

/** What {@link startRefreshFamily} needs. */
export interface RefreshFamilyDeps {
  readonly refreshTokens: RefreshTokenStore;
  readonly clock: Clock;
  readonly refreshPolicy: RefreshPolicy;
}

/** A new token of a family, with the row to store for it. */
export interface MintedRefreshToken {
  readonly token: RefreshToken;
  readonly row: NewRefreshToken;
}

/** Makes the next refresh token of a family whose absolute deadline is `familyExpiresAt`. */
export function mintRefreshToken(
  policy: RefreshPolicy,
  now: number,
  familyExpiresAt: number,
): MintedRefreshToken {
  const token = generateRefreshToken();
  const expiresAt = Math.min(now + policy.idleLifetimeSeconds * 1000, familyExpiresAt);
  return { token, row: { tokenHash: hashRefreshToken(token), issuedAt: now, expiresAt } };
}

/** Options of {@link startRefreshFamily}. */
export interface RefreshFamilyOptions {
  /** The family's id, when the caller must know it before the family is stored; a new UUID by default. */
  readonly familyId?: string;
}

/** Expired families are purged at most this often per store, not on every login. */
const familyPurgeIntervalMs = 60_000;
const nextFamilyPurge = new WeakMap<RefreshTokenStore, number>();

/** Whom a new refresh token family is for. */
export interface RefreshFamilyGrant {
  readonly username: string;
  readonly scopes: readonly Scope[];
  /**
   * The client the tokens are issued to, which alone may refresh them (RFC 6749 §6, §10.4);
   * `null` for the client-less password login. Required, so no grant forgets to bind its client.
   */
  readonly clientId: string | null;
}

/**
 * Starts a refresh token family for a login and returns its first token. Families whose
 * absolute lifetime ended are purged on the way (at most once a minute per store, since each
 * purge is a write), so the table does not grow without bound.
 * @param now when the family starts, in ms (the clock's time by default); the password grant
 * stamps its access token with the same time, so a cut-off placed past this family (see
 * {@link RefreshTokenStore.lastRefreshIssuedAt}) also covers that token.
 */
export async function startRefreshFamily(
  deps: RefreshFamilyDeps,
  grant: RefreshFamilyGrant,
  now: number = deps.clock.now(),
  options: RefreshFamilyOptions = {},
): Promise<RefreshToken> {
  if (now >= (nextFamilyPurge.get(deps.refreshTokens) ?? 0)) {
    nextFamilyPurge.set(deps.refreshTokens, now + familyPurgeIntervalMs);
    await deps.refreshTokens.purgeRefreshFamilies(now);
  }
  const expiresAt = now + deps.refreshPolicy.absoluteLifetimeSeconds * 1000;
  const first = mintRefreshToken(deps.refreshPolicy, now, expiresAt);
  await deps.refreshTokens.createRefreshFamily({
    familyId: options.familyId ?? randomUUID(),
    username: grant.username,
    clientId: grant.clientId,
    scopes: grant.scopes,
    createdAt: now,
    expiresAt,
    token: first.row,
  });
  return first.token;
}
