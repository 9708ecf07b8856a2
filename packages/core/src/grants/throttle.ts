// Brute-force protection for the password grant (RFC 6749 §4.3.2): per account and per client address.
import { createHash } from "node:crypto";
import type { Clock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import { canonicalUsername } from "../users/canonical-username.ts";
import type { DeviceKey } from "./device-proof.ts";
import type {
  AttemptSettlement,
  KeyedAttempt,
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

/** A login attempt that was let through: settle it exactly once, when its check has ended. */
export interface LoginAttempt {
  /** Clears the account's failures and lock; the address's place is given back uncounted. */
  succeeded(): Promise<void>;
  /** Counts a failure for the account and the address (the one that reaches a limit locks it). */
  failed(): Promise<void>;
}

/** Decides whether a login attempt may check a password at all. */
export interface LoginThrottle {
  /**
   * Reserves a place for an attempt on `username` (as given) from `address` (when known) before
   * its password is checked, or refuses it while either is locked. The store lets only as many
   * checks run at once as failures are left before the lock, across every instance sharing it;
   * an attempt beyond them waits until one settles (and is refused if their failures set the
   * lock). So parallel attempts get no more checks than the same attempts one after another,
   * and parallel right passwords never lock the account. A lock this instance has already seen is
   * refused from memory, without a store round trip.
   *
   * With `device` (a proof checked for this username, see `createDeviceProofs`), the attempt is
   * judged by the device's own counter, under the account's rule, instead of the account's: a
   * lock others set on the account does not refuse it, and its success leaves the account's
   * counter alone. Once the device's counter is locked, the proof counts for nothing and the
   * attempt is judged by the account's counter like any other.
   * @throws {AuthError} throttled, carrying `retryAfterSeconds`; the same for existing and
   * unknown usernames, since the counter is keyed by the name as given; also when more than
   * `maxQueuedPerAccount` attempts already wait for the key, or one waited `maxWaitMs`
   */
  begin(username: string, address: string | undefined, device?: DeviceKey): Promise<LoginAttempt>;
  /**
   * Runs `verify` (the password check) as one throttled attempt: {@link begin}, then `verify`,
   * then {@link LoginAttempt.succeeded} when it resolves or {@link LoginAttempt.failed} when it
   * throws: parallel right passwords all succeed, and parallel wrong ones get the free
   * verifications and no more.
   * @throws {AuthError} throttled as {@link begin} does; whatever `verify` throws
   */
  attempt<T>(
    username: string,
    address: string | undefined,
    verify: () => Promise<T>,
    device?: DeviceKey,
  ): Promise<T>;
}

/** What {@link createLoginThrottle} needs. */
export interface LoginThrottleOptions {
  readonly store: ThrottleStore;
  readonly clock: Clock;
  readonly policy?: ThrottlePolicy;
  /** Expired counters are purged at most this often (10 minutes by default). */
  readonly purgeIntervalMs?: number;
  /** Attempts that may wait for a place on one key in this process before more are refused (64). */
  readonly maxQueuedPerAccount?: number;
  /** How long an attempt waits for a place before it is refused (10 s). */
  readonly maxWaitMs?: number;
  /**
   * How long a reservation counts when its attempt is never settled — the instance died during
   * the check (30 s): far longer than any check, which the hashing queue bounds.
   */
  readonly reservationLeaseMs?: number;
  /** Locks remembered in memory, so refusing them needs no store round trip (10 000). */
  readonly maxRememberedLocks?: number;
}

/**
 * The key of an account's counter: the username in its canonical form ({@link canonicalUsername},
 * the form usernames are unique in) so case and Unicode variants share one counter, then hashed,
 * so a password typed into the username field is never stored.
 */
export function accountThrottleKey(username: string): string {
  // A flood on one account asks for the same key twice a request (the throttle, then the audit
  // of its refusal): the last one is kept, which spares the normalising and the digest.
  if (lastKeyed?.username === username) return lastKeyed.key;
  const normalized = canonicalUsername(username);
  const key = `account:${createHash("sha256").update(normalized, "utf8").digest("base64url")}`;
  lastKeyed = { username, key };
  return key;
}

let lastKeyed: { readonly username: string; readonly key: string } | undefined;

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
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const leaseMs = options.reservationLeaseMs ?? 30_000;
  const waiting = createWaitingRoom();
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

  const begin = async (
    username: string,
    address: string | undefined,
    device?: DeviceKey,
  ): Promise<LoginAttempt> => {
    const accountAttempt: KeyedAttempt = {
      key: accountThrottleKey(username),
      rule: policy.account,
    };
    const addressAttempt: KeyedAttempt | undefined =
      address === undefined
        ? undefined
        : { key: addressThrottleKey(address), rule: policy.address };
    // The counter this attempt is judged by: its device's while the device is not locked.
    let judged: KeyedAttempt =
      device === undefined || locks.lockedUntil(device, clock.now()) > 0
        ? accountAttempt
        : { key: device, rule: policy.account };
    const runOf = (): [KeyedAttempt, ...KeyedAttempt[]] =>
      addressAttempt === undefined ? [judged] : [addressAttempt, judged];
    let run = runOf();
    refuseRemembered(judged.key, addressAttempt?.key);
    await purgeWhenDue(clock.now());
    // Measured on the performance clock: the injected clock may stand still in tests.
    const giveUpAt = performance.now() + maxWaitMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
      const now = clock.now();
      const decision = await store.reserveAttempts(run, now, leaseMs);
      if (decision.kind === "reserved") break;
      if (decision.kind === "locked") {
        locks.remember(decision.key, decision.lockedUntil, now);
        if (judged === accountAttempt || decision.key !== judged.key) {
          throw throttled(decision.lockedUntil, now);
        }
        // The device failed too often: its proof counts for nothing, as if never presented.
        judged = accountAttempt;
        run = runOf();
        refuseRemembered(judged.key, addressAttempt?.key);
        continue;
      }
      // Busy: a check that settles in this process wakes the first waiter at once; one settling
      // on another instance is seen at the next try, after a pause that doubles up to 200 ms.
      if (waiting.count(decision.key) >= maxQueued || performance.now() >= giveUpAt) {
        throw throttled(clock.now() + 1000, clock.now());
      }
      await waiting.wait(decision.key, pause);
      refuseRemembered(judged.key, addressAttempt?.key);
    }
    let settled = false;
    const settle = async (account: AttemptSettlement, other: AttemptSettlement) => {
      if (settled) return;
      settled = true;
      try {
        await store.settleAttempts(
          addressAttempt === undefined
            ? [{ ...judged, outcome: account }]
            : [
                { ...judged, outcome: account },
                { ...addressAttempt, outcome: other },
              ],
          clock.now(),
        );
      } finally {
        for (const { key } of run) waiting.wake(key);
      }
    };
    return {
      async succeeded() {
        locks.forget(judged.key);
        await settle("succeeded", "released");
      },
      failed: () => settle("failed", "failed"),
    };
  };

  return {
    begin,
    async attempt(username, address, verify, device) {
      const attempt = await begin(username, address, device);
      let result: Awaited<ReturnType<typeof verify>>;
      try {
        result = await verify();
      } catch (error) {
        await attempt.failed();
        throw error;
      }
      await attempt.succeeded();
      return result;
    },
  };
}

/**
 * Attempts of this process waiting for a place on a key, first come first woken: a settled
 * attempt wakes one, which then tries the store again.
 */
function createWaitingRoom() {
  const queues = new Map<string, (() => void)[]>();
  return {
    count(key: string): number {
      return queues.get(key)?.length ?? 0;
    },
    /** Resolves when woken, or after `pauseMs`, whichever comes first. */
    wait(key: string, pauseMs: number): Promise<void> {
      const queue = queues.get(key) ?? [];
      queues.set(key, queue);
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          const at = queue.indexOf(done);
          if (at !== -1) queue.splice(at, 1);
          if (queue.length === 0 && queues.get(key) === queue) queues.delete(key);
          resolve();
        };
        const timer = setTimeout(done, pauseMs);
        queue.push(done);
      });
    },
    wake(key: string): void {
      queues.get(key)?.[0]?.();
    },
  };
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
