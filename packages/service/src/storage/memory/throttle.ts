// Brute-force counters in process memory: one process only, so each step is atomic by running to completion.
import type { ThrottleCounter, ThrottleStore } from "gatehouse-auth-core/grants/throttle-store";
import {
  applyReservation,
  applySettlement,
  reserveAttemptsInOrder,
  settleAttemptsInOrder,
} from "gatehouse-auth-core/grants/throttle-store";

/**
 * Returns a {@link ThrottleStore} in memory with the reference semantics of the port. Each method
 * reads and writes its counter without awaiting in between, so concurrent calls cannot interleave.
 */
export function createMemoryThrottleStore(): ThrottleStore {
  const counters = new Map<string, ThrottleCounter>();
  const put = (key: string, counter: ThrottleCounter | undefined): void => {
    if (counter === undefined) counters.delete(key);
    else counters.set(key, counter);
  };
  const store: ThrottleStore = {
    async reserveAttempt(key, rule, now, leaseMs) {
      const { counter, decision } = applyReservation(counters.get(key), rule, now, leaseMs);
      put(key, counter);
      return decision;
    },
    async settleAttempt(key, rule, outcome, now) {
      put(key, applySettlement(counters.get(key), rule, outcome, now));
    },
    async clearAttempts(key) {
      counters.delete(key);
    },
    reserveAttempts: (attempts, now, leaseMs) =>
      reserveAttemptsInOrder(store, attempts, now, leaseMs),
    settleAttempts: (settlements, now) => settleAttemptsInOrder(store, settlements, now),
    async purgeExpiredAttempts(now) {
      let purged = 0;
      for (const [key, counter] of counters) {
        if (counter.expiresAt <= now && counter.inFlightUntil <= now) {
          counters.delete(key);
          purged++;
        }
      }
      return purged;
    },
  };
  return store;
}
