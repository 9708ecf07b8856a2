// Brute-force protection for the password grant (RFC 6749 §4.3.2): per account and per client address.
import { createHash } from "node:crypto";
import type { Clock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import { canonicalUsername } from "../users/canonical-username.ts";
import type {
  KeyedAttempt,
  ThrottleDecision,
  ThrottleRule,
  ThrottleStore,
} from "./throttle-store.ts";

/** The rules for accounts and for client addresses. */
export interface ThrottlePolicy {
  readonly account: ThrottleRule;
  readonly address: ThrottleRule;
}

/**
 * Gatehouse's defaults: 5 free attempts per account and 20 per address within an hour, then
 * locks of 1 s, 2 s, 4 s … up to 15 minutes (Keycloak's `maxFailureWaitSeconds`).
 */
export const defaultThrottlePolicy: ThrottlePolicy = Object.freeze({
  account: Object.freeze({
    freeFailures: 5,
    baseDelayMs: 1000,
    maxDelayMs: 900_000,
    windowMs: 3_600_000,
  }),
  address: Object.freeze({
    freeFailures: 20,
    baseDelayMs: 1000,
    maxDelayMs: 900_000,
    windowMs: 3_600_000,
  }),
});

/** A login attempt that was let through; say so when it succeeds. */
export interface LoginAttempt {
  /** Resets the account's counter and takes this attempt back from the address's. */
  succeeded(): Promise<void>;
}

/** Decides whether a login attempt may check a password at all. */
export interface LoginThrottle {
  /**
   * Counts an attempt for `username` (as given) from `address` (when known) and lets it through,
   * or refuses it while either is locked. Counting happens before the password is checked, so
   * any number of parallel attempts gets no more checks than sequential ones would.
   * @throws {AuthError} throttled, carrying `retryAfterSeconds`; the same for existing and
   * unknown usernames, since the counter is keyed by the name as given
   */
  begin(username: string, address: string | undefined): Promise<LoginAttempt>;
}

/** What {@link createLoginThrottle} needs. */
export interface LoginThrottleOptions {
  readonly store: ThrottleStore;
  readonly clock: Clock;
  readonly policy?: ThrottlePolicy;
  /** Expired counters are purged at most this often (10 minutes by default). */
  readonly purgeIntervalMs?: number;
}

/**
 * The key of an account's counter: the username in its canonical form ({@link canonicalUsername},
 * the form usernames are unique in) so case and Unicode variants share one counter, then hashed,
 * so a password typed into the username field is never stored.
 */
export function accountThrottleKey(username: string): string {
  const normalized = canonicalUsername(username);
  return `account:${createHash("sha256").update(normalized, "utf8").digest("base64url")}`;
}

/** The key of a client address's counter. */
function addressThrottleKey(address: string): string {
  return `address:${address.toLowerCase()}`;
}

function refuse(decision: ThrottleDecision, now: number): void {
  if (decision.allowed) return;
  // Retry-After is whole seconds; rounding up never invites a client back while still locked.
  const retryAfterSeconds = Math.max(1, Math.ceil((decision.lockedUntil - now) / 1000));
  throw new AuthError("throttled", "too many failed attempts", { retryAfterSeconds });
}

/**
 * Builds the login throttle over a {@link ThrottleStore}. The address is checked first, so a
 * locked address does not run up the counters of the accounts it tries; an attempt refused for
 * the account still counts for the address. A success resets the account's counter but only
 * takes back its own attempt from the address's, so a client cannot clear its address's
 * failures with one account it controls.
 * @example
 * const throttle = createLoginThrottle({ store, clock: systemClock });
 * const attempt = await throttle.begin("johndoe", "203.0.113.7");
 */
export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const { store, clock } = options;
  const policy = options.policy ?? defaultThrottlePolicy;
  const purgeIntervalMs = options.purgeIntervalMs ?? 600_000;
  let nextPurge = 0;

  const purgeWhenDue = async (now: number): Promise<void> => {
    if (now < nextPurge) return;
    nextPurge = now + purgeIntervalMs;
    await store.purgeExpiredAttempts(now);
  };

  return {
    async begin(username, address) {
      const now = clock.now();
      await purgeWhenDue(now);
      const accountAttempt: KeyedAttempt = {
        key: accountThrottleKey(username),
        rule: policy.account,
      };
      const addressAttempt: KeyedAttempt | undefined =
        address === undefined
          ? undefined
          : { key: addressThrottleKey(address), rule: policy.address };
      refuse(
        await store.countAttempts(
          addressAttempt === undefined ? [accountAttempt] : [addressAttempt, accountAttempt],
          now,
        ),
        now,
      );
      return {
        async succeeded() {
          await store.settleSucceeded(accountAttempt.key, addressAttempt, clock.now());
        },
      };
    },
  };
}
