// The behaviour every ThrottleStore adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import fc from "fast-check";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { isAuthError } from "gatehouse-auth-core/errors";
import { passwordGrant } from "gatehouse-auth-core/grants/password-grant";
import type { ThrottlePolicy } from "gatehouse-auth-core/grants/throttle";
import { createLoginThrottle } from "gatehouse-auth-core/grants/throttle";
import type {
  ThrottleCounter,
  ThrottleRule,
  ThrottleStore,
} from "gatehouse-auth-core/grants/throttle-store";
import {
  applyCountedAttempt,
  applyForgivenAttempt,
} from "gatehouse-auth-core/grants/throttle-store";
import { deriveKeyId } from "gatehouse-auth-core/keys/token-keys";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import { createTokenService } from "gatehouse-auth-core/tokens/tokens";
import {
  createCountingHasher,
  createFastHasher,
} from "../../../../../test/fixtures/fast-hasher.ts";
import { seedScopes } from "../../../../../test/fixtures/seed-scopes.ts";
import { createMemoryStore } from "../memory/store.ts";

const start = Date.UTC(2025, 0, 1);
const rule: ThrottleRule = {
  freeFailures: 3,
  baseDelayMs: 1000,
  maxDelayMs: 5000,
  windowMs: 60_000,
};

/** Parallel logins per trial, and trials per race: enough to catch a race that hits 5 % of runs. */
const parallelWrong = 50;
const parallelRight = 20;
const trials = 60;
const loginPolicy: ThrottlePolicy = {
  account: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 900_000, windowMs: 3_600_000 },
  address: { freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 900_000, windowMs: 3_600_000 },
};

/** A store to test and how to release it. */
interface Subject {
  readonly store: ThrottleStore;
  close(): Promise<void>;
}

/**
 * Registers the ThrottleStore contract as a `describe` block named `name`. `makeStore` must return
 * a new, empty store; each test gets its own and closes it.
 */
export function describeThrottleStoreContract(
  name: string,
  makeStore: () => Promise<Subject>,
): void {
  describe(name, () => {
    let subject: Subject;
    let store: ThrottleStore;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.close();
    });

    const countTimes = async (key: string, times: number, now: number): Promise<unknown[]> => {
      const decisions: unknown[] = [];
      for (let i = 0; i < times; i++) decisions.push(await store.countAttempt(key, rule, now));
      return decisions;
    };
    const countAThenB = () =>
      store.countAttempts(
        [
          { key: "a", rule },
          { key: "b", rule },
        ],
        start,
      );

    it("lets the free attempts through and locks the key from the one that reaches the limit", async () => {
      const decisions = await countTimes("k", 4, start);

      assert.deepEqual(decisions, [
        { allowed: true, failures: 1 },
        { allowed: true, failures: 2 },
        { allowed: true, failures: 3 },
        { allowed: false, lockedUntil: start + 1000 },
      ]);
    });

    it("does not count an attempt refused by a lock", async () => {
      await countTimes("k", 3, start);
      await countTimes("k", 5, start + 500);

      assert.deepEqual(await store.countAttempt("k", rule, start + 1000), {
        allowed: true,
        failures: 4,
      });
    });

    it("doubles the lock with each attempt over the limit and caps it", async () => {
      let now = start;
      const locks: number[] = [];
      await countTimes("k", 2, now);
      for (let i = 0; i < 5; i++) {
        await store.countAttempt("k", rule, now);
        const refused = await store.countAttempt("k", rule, now);
        assert.equal(refused.allowed, false);
        if (refused.allowed) return;
        locks.push(refused.lockedUntil - now);
        now = refused.lockedUntil;
      }

      assert.deepEqual(locks, [1000, 2000, 4000, 5000, 5000]);
    });

    it("forgets a counter once its window has passed since the last attempt", async () => {
      await countTimes("k", 2, start);

      assert.deepEqual(await store.countAttempt("k", rule, start + 60_000), {
        allowed: true,
        failures: 1,
      });
    });

    it("keeps a locked counter until the window has passed after the lock ends", async () => {
      await countTimes("k", 3, start);

      const afterLock = await store.countAttempt("k", rule, start + 1000 + 59_999);
      assert.deepEqual(afterLock, { allowed: true, failures: 4 });
    });

    it("keeps keys apart", async () => {
      await countTimes("a", 3, start);

      assert.deepEqual(await store.countAttempt("b", rule, start), { allowed: true, failures: 1 });
    });

    it("forgets a cleared key", async () => {
      await countTimes("k", 3, start);

      await store.clearAttempts("k");

      assert.deepEqual(await store.countAttempt("k", rule, start), { allowed: true, failures: 1 });
    });

    it("takes back a forgiven attempt and lifts the lock it set", async () => {
      await countTimes("k", 3, start);

      await store.forgiveAttempt("k", rule, start);

      assert.deepEqual(await store.countAttempt("k", rule, start), { allowed: true, failures: 3 });
      assert.deepEqual(await store.countAttempt("k", rule, start), {
        allowed: false,
        lockedUntil: start + 1000,
      });
    });

    it("ignores forgiving a key it does not hold", async () => {
      await store.forgiveAttempt("k", rule, start);

      assert.deepEqual(await store.countAttempt("k", rule, start), { allowed: true, failures: 1 });
    });

    it("counts a run of attempts in order and answers the last decision when all pass", async () => {
      await countTimes("b", 1, start);

      const decision = await countAThenB();

      assert.deepEqual(decision, { allowed: true, failures: 2 });
      assert.deepEqual(await store.countAttempt("a", rule, start), { allowed: true, failures: 2 });
    });

    it("stops a run at the first locked key, leaving the keys after it uncounted", async () => {
      await countTimes("a", 3, start);

      const decision = await countAThenB();

      assert.deepEqual(decision, { allowed: false, lockedUntil: start + 1000, key: "a" });
      assert.deepEqual(await store.countAttempt("b", rule, start), { allowed: true, failures: 1 });
    });

    it("keeps the attempts counted before a refusal later in the run", async () => {
      await countTimes("b", 3, start);

      const decision = await countAThenB();

      assert.equal(decision.allowed, false);
      assert.deepEqual(await store.countAttempt("a", rule, start), { allowed: true, failures: 2 });
    });

    it("settles a success by clearing one key and forgiving one attempt of the other", async () => {
      await countTimes("account", 2, start);
      await countTimes("address", 3, start);

      await store.settleSucceeded("account", { key: "address", rule }, start);

      assert.deepEqual(await store.countAttempt("account", rule, start), {
        allowed: true,
        failures: 1,
      });
      assert.deepEqual(await store.countAttempt("address", rule, start), {
        allowed: true,
        failures: 3,
      });
    });

    it("settles a success with nothing to forgive by clearing the key alone", async () => {
      await countTimes("account", 3, start);
      await countTimes("other", 2, start);

      await store.settleSucceeded("account", undefined, start);

      assert.deepEqual(await store.countAttempt("account", rule, start), {
        allowed: true,
        failures: 1,
      });
      assert.deepEqual(await store.countAttempt("other", rule, start), {
        allowed: true,
        failures: 3,
      });
    });

    it("purges expired counters only and says how many", async () => {
      await store.countAttempt("old", rule, start);
      await store.countAttempt("new", rule, start + 30_000);

      const purged = await store.purgeExpiredAttempts(start + 60_000);

      assert.equal(purged, 1);
      assert.equal(await store.purgeExpiredAttempts(start + 60_000), 0);
      assert.deepEqual(await store.countAttempt("new", rule, start + 60_000), {
        allowed: true,
        failures: 2,
      });
    });

    it("locks at the first attempt when no attempt is free", async () => {
      const strict: ThrottleRule = { ...rule, freeFailures: 1 };

      const first = await store.countAttempt("k", strict, start);
      const second = await store.countAttempt("k", strict, start);
      const third = await store.countAttempt("k", strict, start + 1000);
      const fourth = await store.countAttempt("k", strict, start + 1000);

      assert.deepEqual(
        [first, second, third, fourth],
        [
          { allowed: true, failures: 1 },
          { allowed: false, lockedUntil: start + 1000 },
          { allowed: true, failures: 2 },
          { allowed: false, lockedUntil: start + 3000 },
        ],
      );
    });

    it("lets exactly the free attempts through when many arrive at once", async () => {
      const decisions = await Promise.all(
        Array.from({ length: 50 }, () => store.countAttempt("k", rule, start)),
      );

      assert.equal(decisions.filter((decision) => decision.allowed).length, rule.freeFailures);
    });

    it("decides any sequence of steps as the reference semantics do", async () => {
      const step = fc.record({
        kind: fc.constantFrom("count", "count", "count", "forgive", "clear", "purge"),
        key: fc.constantFrom("a", "b"),
        advanceMs: fc.constantFrom(0, 0, 400, 1000, 2500, 61_000),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
          const model = new Map<string, ThrottleCounter>();
          await store.clearAttempts("a");
          await store.clearAttempts("b");
          let now = start;
          for (const { kind, key, advanceMs } of steps) {
            now += advanceMs;
            if (kind === "count") {
              const expected = applyCountedAttempt(model.get(key), rule, now);
              model.set(key, expected.counter);
              assert.deepEqual(await store.countAttempt(key, rule, now), expected.decision);
            } else if (kind === "forgive") {
              const next = applyForgivenAttempt(model.get(key), rule, now);
              if (next === undefined) model.delete(key);
              else model.set(key, next);
              await store.forgiveAttempt(key, rule, now);
            } else if (kind === "clear") {
              model.delete(key);
              await store.clearAttempts(key);
            } else {
              await store.purgeExpiredAttempts(now);
            }
          }
        }),
        { numRuns: 60 },
      );
    });

    describe("password grant logins counted in this store, in parallel", () => {
      const hasher = createFastHasher();
      let passwordHash: PasswordHash;
      before(async () => {
        passwordHash = await hasher.hash("secret");
      });
      after(() => hasher.close());

      /** `count` parallel logins of `username` from one address; the codes they ended with. */
      async function loginsAtOnce(username: string, password: string, count: number) {
        const clock = createFixedClock(start);
        const counting = createCountingHasher(hasher);
        const { users } = createMemoryStore({ clock });
        await users.createUser({ username, passwordHash, scopes: ["me"] });
        const secret = randomBytes(32);
        const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
        const deps = {
          users,
          hasher: counting,
          tokens: createTokenService({ key, scopes: seedScopes, clock }),
          scopes: seedScopes,
          throttle: createLoginThrottle({ store, clock, policy: loginPolicy }),
        };
        const outcomes = await Promise.all(
          Array.from({ length: count }, () =>
            passwordGrant(deps, {
              username,
              password,
              scopes: undefined,
              clientAddress: `address-of-${username}`,
            }).then(
              () => "succeeded",
              (error: unknown) => (isAuthError(error) ? error.code : String(error)),
            ),
          ),
        );
        return { outcomes, verifications: counting.verifications };
      }

      it(`lets ${parallelRight} parallel right passwords for one account all succeed, ${trials} trials`, async () => {
        for (let trial = 0; trial < trials; trial++) {
          const { outcomes } = await loginsAtOnce(`right${trial}`, "secret", parallelRight);

          assert.deepEqual(
            outcomes.filter((outcome) => outcome !== "succeeded"),
            [],
            `trial ${trial}`,
          );
        }
      });

      it(`gives ${parallelWrong} parallel wrong passwords no more than the free verifications, ${trials} trials`, async () => {
        for (let trial = 0; trial < trials; trial++) {
          const { outcomes, verifications } = await loginsAtOnce(
            `wrong${trial}`,
            "guess",
            parallelWrong,
          );

          assert.equal(verifications, loginPolicy.account.freeFailures, `trial ${trial}`);
          assert.equal(
            outcomes.filter((outcome) => outcome === "throttled").length,
            parallelWrong - loginPolicy.account.freeFailures,
            `trial ${trial}`,
          );
        }
      });
    });
  });
}
