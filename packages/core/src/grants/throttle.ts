// Brute-force protection for the password grant (RFC 6749 §4.3.2): per account and per client address.
import { createHash } from "node:crypto";
import type { Clock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import { canonicalUsername } from "../users/canonical-username.ts";
import type { KeyedAttempt, ThrottleRule, ThrottleStore } from "./throttle-store.ts";

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
   * any number of parallel attempts gets no more checks than sequential ones would. A lock this
   * instance has already seen is refused from memory, without a store round trip.
   * @throws {AuthError} throttled, carrying `retryAfterSeconds`; the same for existing and
   * unknown usernames, since the counter is keyed by the name as given
   */
  begin(username: string, address: string | undefined): Promise<LoginAttempt>;
  /**
   * Runs `verify` (the password check) as one throttled attempt: {@link begin}, then `verify`,
   * then {@link LoginAttempt.succeeded} when it resolves. Attempts on one account take turns in
   * this process, so parallel attempts are decided exactly as the same attempts one after
   * another: parallel right passwords all succeed, and parallel wrong ones get the free
   * verifications and no more.
   * @throws {AuthError} throttled as {@link begin} does, or when more than `maxQueuedPerAccount`
   * attempts already wait for the account; whatever `verify` throws
   */
  attempt<T>(username: string, address: string | undefined, verify: () => Promise<T>): Promise<T>;
}

/** What {@link createLoginThrottle} needs. */
export interface LoginThrottleOptions {
  readonly store: ThrottleStore;
  readonly clock: Clock;
  readonly policy?: ThrottlePolicy;
  /** Expired counters are purged at most this often (10 minutes by default). */
  readonly purgeIntervalMs?: number;
  /** Attempts that may wait for their turn on one account before more are refused (64). */
  readonly maxQueuedPerAccount?: number;
  /** Locks remembered in memory, so refusing them needs no store round trip (10 000). */
  readonly maxRememberedLocks?: number;
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

function throttled(lockedUntil: number, now: number): AuthError {
  // Retry-After is whole seconds; rounding up never invites a client back while still locked.
  const retryAfterSeconds = Math.max(1, Math.ceil((lockedUntil - now) / 1000));
  // Capturing a stack was the largest single cost of a refusal under a flood, and an expected
  // refusal's stack says nothing: it is built without one.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new AuthError("throttled", "too many failed attempts", { retryAfterSeconds });
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/**
 * Builds the login throttle over a {@link ThrottleStore}. The address is checked first, so a
 * locked address does not run up the counters of the accounts it tries; an attempt refused for
 * the account by the store still counts for the address. A success resets the account's counter
 * but only takes back its own attempt from the address's, so a client cannot clear its address's
 * failures with one account it controls.
 *
 * A refusal is remembered until its lock ends, and later attempts on that key are refused from
 * memory: no store access, no purge. This is safe with several instances on one store, because
 * memory only ever refuses while the store itself said the key was locked; a lock lifted early
 * elsewhere (a success that was already in flight) is still honoured here until it would have
 * ended.
 * @example
 * const throttle = createLoginThrottle({ store, clock: systemClock });
 * const user = await throttle.attempt("johndoe", "203.0.113.7", () => checkPassword());
 */
export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const { store, clock } = options;
  const policy = options.policy ?? defaultThrottlePolicy;
  const purgeIntervalMs = options.purgeIntervalMs ?? 600_000;
  const maxQueued = options.maxQueuedPerAccount ?? 64;
  const locks = createLockMemory(options.maxRememberedLocks ?? 10_000);
  const turns = new Map<string, Turns>();
  let nextPurge = 0;

  const purgeWhenDue = async (now: number): Promise<void> => {
    if (now < nextPurge) return;
    nextPurge = now + purgeIntervalMs;
    await store.purgeExpiredAttempts(now);
  };

  /** Throws while memory holds a lock on either key. */
  const refuseRemembered = (accountKey: string, addressKey: string | undefined): void => {
    const now = clock.now();
    const lockedUntil = Math.max(
      addressKey === undefined ? 0 : locks.lockedUntil(addressKey, now),
      locks.lockedUntil(accountKey, now),
    );
    if (lockedUntil > now) throw throttled(lockedUntil, now);
  };

  const begin = async (username: string, address: string | undefined): Promise<LoginAttempt> => {
    const accountAttempt: KeyedAttempt = {
      key: accountThrottleKey(username),
      rule: policy.account,
    };
    const addressAttempt: KeyedAttempt | undefined =
      address === undefined
        ? undefined
        : { key: addressThrottleKey(address), rule: policy.address };
    refuseRemembered(accountAttempt.key, addressAttempt?.key);
    const now = clock.now();
    await purgeWhenDue(now);
    const decision = await store.countAttempts(
      addressAttempt === undefined ? [accountAttempt] : [addressAttempt, accountAttempt],
      now,
    );
    if (!decision.allowed) {
      locks.remember(decision.key, decision.lockedUntil, now);
      throw throttled(decision.lockedUntil, now);
    }
    return {
      async succeeded() {
        locks.forget(accountAttempt.key);
        await store.settleSucceeded(accountAttempt.key, addressAttempt, clock.now());
      },
    };
  };

  return {
    begin,
    async attempt(username, address, verify) {
      const accountKey = accountThrottleKey(username);
      // Refused before queueing: a flood on a locked account costs no turn and no memory.
      refuseRemembered(accountKey, address === undefined ? undefined : addressThrottleKey(address));
      const queue = turns.get(accountKey) ?? { last: Promise.resolve(), waiting: 0 };
      if (queue.waiting >= maxQueued) throw throttled(clock.now() + 1000, clock.now());
      queue.waiting++;
      turns.set(accountKey, queue);
      const before = queue.last;
      const mine = Promise.withResolvers<void>();
      queue.last = mine.promise;
      try {
        await before;
        const attempt = await begin(username, address);
        const result = await verify();
        await attempt.succeeded();
        return result;
      } finally {
        mine.resolve();
        queue.waiting--;
        if (queue.waiting === 0) turns.delete(accountKey);
      }
    },
  };
}

/** The attempts on one account in this process: each waits for `last`, then becomes it. */
interface Turns {
  last: Promise<void>;
  waiting: number;
}

/** Locks the store reported, kept until they end; at most `capacity`, the oldest dropped first. */
function createLockMemory(capacity: number) {
  const until = new Map<string, number>();
  return {
    lockedUntil(key: string, now: number): number {
      const lockedUntil = until.get(key);
      if (lockedUntil === undefined) return 0;
      if (lockedUntil > now) return lockedUntil;
      until.delete(key);
      return 0;
    },
    remember(key: string, lockedUntil: number, now: number): void {
      until.delete(key);
      until.set(key, lockedUntil);
      if (until.size <= capacity) return;
      for (const [held, heldUntil] of until) {
        if (heldUntil <= now) until.delete(held);
      }
      // Still full of live locks: drop the oldest, which the store will simply refuse again.
      const oldest = until.keys().next();
      if (until.size > capacity && oldest.done !== true) until.delete(oldest.value);
    },
    forget(key: string): void {
      until.delete(key);
    },
  };
}
