// Brute-force counters in process memory: one process only, so each step is atomic by running to completion.
import type { ThrottleCounter, ThrottleStore } from "gatehouse-auth-core/grants/throttle-store";
import {
  applyCountedAttempt,
  applyForgivenAttempt,
  countAttemptsInOrder,
  settleSucceededInOrder,
} from "gatehouse-auth-core/grants/throttle-store";

/**
 * Returns a {@link ThrottleStore} in memory with the reference semantics of the port. Each method
 * reads and writes its counter without awaiting in between, so concurrent calls cannot interleave.
 */
export function createMemoryThrottleStore(): ThrottleStore {
  const counters = new Map<string, ThrottleCounter>();
  const store: ThrottleStore = {
    async countAttempt(key, rule, now) {
      const { counter, decision } = applyCountedAttempt(counters.get(key), rule, now);
      counters.set(key, counter);
      return decision;
    },
    async forgiveAttempt(key, rule, now) {
      const counter = applyForgivenAttempt(counters.get(key), rule, now);
      if (counter === undefined) counters.delete(key);
      else counters.set(key, counter);
    },
    async clearAttempts(key) {
      counters.delete(key);
    },
    countAttempts: (attempts, now) => countAttemptsInOrder(store, attempts, now),
    settleSucceeded: (clearKey, forgive, now) =>
      settleSucceededInOrder(store, clearKey, forgive, now),
    async purgeExpiredAttempts(now) {
      let purged = 0;
      for (const [key, counter] of counters) {
        if (counter.expiresAt <= now) {
          counters.delete(key);
          purged++;
        }
      }
      return purged;
    },
  };
  return store;
}
