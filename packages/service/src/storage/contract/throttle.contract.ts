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
  AttemptSettlement,
  ThrottleCounter,
  ThrottleRule,
  ThrottleStore,
} from "gatehouse-auth-core/grants/throttle-store";
import { applyReservation, applySettlement } from "gatehouse-auth-core/grants/throttle-store";
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

    const lease = 30_000;
    const reserve = (key: string, now = start, r: ThrottleRule = rule) =>
      store.reserveAttempt(key, r, now, lease);
    const settle = (key: string, outcome: AttemptSettlement, now = start) =>
      store.settleAttempt(key, rule, outcome, now);
    /** `times` attempts one after another, each reserved and then settled as `outcome`. */
    const settleTimes = async (
      key: string,
      times: number,
      outcome: AttemptSettlement,
      now = start,
    ): Promise<void> => {
      for (let i = 0; i < times; i++) {
        assert.equal((await reserve(key, now)).kind, "reserved");
        await settle(key, outcome, now);
      }
    };
    const reserveAThenB = () =>
      store.reserveAttempts(
        [
          { key: "a", rule },
          { key: "b", rule },
        ],
        start,
        lease,
      );

    it("lets as many checks run at once as failures are free, and answers busy beyond them", async () => {
      const decisions = [
        await reserve("k"),
        await reserve("k"),
        await reserve("k"),
        await reserve("k"),
      ];

      assert.deepEqual(decisions, [
        { kind: "reserved", failures: 0, inFlight: 1 },
        { kind: "reserved", failures: 0, inFlight: 2 },
        { kind: "reserved", failures: 0, inFlight: 3 },
        { kind: "busy" },
      ]);
    });

    it("counts failures and the checks in flight together", async () => {
      await settleTimes("k", 1, "failed");
      await reserve("k");

      assert.deepEqual(await reserve("k"), { kind: "reserved", failures: 1, inFlight: 2 });
      assert.deepEqual(await reserve("k"), { kind: "busy" });
    });

    it("locks the key from the failure that reaches the limit", async () => {
      await settleTimes("k", 3, "failed");

      assert.deepEqual(await reserve("k", start + 999), {
        kind: "locked",
        lockedUntil: start + 1000,
      });
    });

    it("lets a waiting attempt through once a check in flight succeeds or is released", async () => {
      await reserve("k");
      await reserve("k");
      await reserve("k");
      await settle("k", "failed");
      assert.deepEqual(await reserve("k"), { kind: "busy" });

      await settle("k", "succeeded");
      assert.deepEqual(await reserve("k"), { kind: "reserved", failures: 0, inFlight: 2 });
      assert.deepEqual(await reserve("k"), { kind: "reserved", failures: 0, inFlight: 3 });
      await settle("k", "released");
      assert.deepEqual(await reserve("k"), { kind: "reserved", failures: 0, inFlight: 3 });
    });

    it("refuses a waiting attempt once the checks in flight failed up to the lock", async () => {
      await reserve("k");
      await reserve("k");
      await reserve("k");
      await settle("k", "failed");
      await settle("k", "failed");
      assert.deepEqual(await reserve("k"), { kind: "busy" });

      await settle("k", "failed");

      assert.deepEqual(await reserve("k"), { kind: "locked", lockedUntil: start + 1000 });
    });

    it("does not count an attempt refused by a lock", async () => {
      await settleTimes("k", 3, "failed");
      for (let i = 0; i < 5; i++) assert.equal((await reserve("k", start + 500)).kind, "locked");

      assert.deepEqual(await reserve("k", start + 1000), {
        kind: "reserved",
        failures: 3,
        inFlight: 1,
      });
    });

    it("lets one attempt at a time through after a lock ends", async () => {
      await settleTimes("k", 3, "failed");

      assert.equal((await reserve("k", start + 1000)).kind, "reserved");
      assert.deepEqual(await reserve("k", start + 1000), { kind: "busy" });
    });

    it("doubles the lock with each failure over the limit and caps it", async () => {
      let now = start;
      const locks: number[] = [];
      await settleTimes("k", 2, "failed");
      for (let i = 0; i < 5; i++) {
        await settleTimes("k", 1, "failed", now);
        const refused = await reserve("k", now);
        assert.equal(refused.kind, "locked");
        if (refused.kind !== "locked") return;
        locks.push(refused.lockedUntil - now);
        now = refused.lockedUntil;
      }

      assert.deepEqual(locks, [1000, 2000, 4000, 5000, 5000]);
    });

    it("clears the failures when the attempt let through after a lock succeeds", async () => {
      await settleTimes("k", 3, "failed");
      await reserve("k", start + 1000);

      await settle("k", "succeeded", start + 1000);

      assert.deepEqual(await reserve("k", start + 1000), {
        kind: "reserved",
        failures: 0,
        inFlight: 1,
      });
    });

    it("lifts a lock set while a success was being checked", async () => {
      await store.reserveAttempt("k", rule, start, 10);
      await settleTimes("k", 3, "failed", start + 10);
      assert.equal((await reserve("k", start + 10)).kind, "locked");

      await settle("k", "succeeded", start + 10);

      assert.deepEqual(await reserve("k", start + 10), {
        kind: "reserved",
        failures: 0,
        inFlight: 1,
      });
    });

    it("releases a place without counting a failure", async () => {
      await settleTimes("k", 5, "released");

      assert.deepEqual(await reserve("k"), { kind: "reserved", failures: 0, inFlight: 1 });
    });

    it("lets the reservations of a lost instance lapse at the end of their lease", async () => {
      for (let i = 0; i < 3; i++) await reserve("k");
      assert.deepEqual(await reserve("k", start + lease - 1), { kind: "busy" });

      assert.deepEqual(await reserve("k", start + lease), {
        kind: "reserved",
        failures: 0,
        inFlight: 1,
      });
    });

    it("counts a failure whose counter expired while it was checked", async () => {
      await reserve("k");
      await store.purgeExpiredAttempts(start + 60_000 + lease);

      await settle("k", "failed", start + 60_000 + lease);

      assert.deepEqual(await reserve("k", start + 60_000 + lease), {
        kind: "reserved",
        failures: 1,
        inFlight: 1,
      });
    });

    it("forgets a counter once its window has passed since the last failure", async () => {
      await settleTimes("k", 2, "failed");

      assert.deepEqual(await reserve("k", start + 60_000), {
        kind: "reserved",
        failures: 0,
        inFlight: 1,
      });
    });

    it("keeps a locked counter until the window has passed after the lock ends", async () => {
      await settleTimes("k", 3, "failed");

      assert.deepEqual(await reserve("k", start + 1000 + 59_999), {
        kind: "reserved",
        failures: 3,
        inFlight: 1,
      });
    });

    it("keeps keys apart", async () => {
      await settleTimes("a", 3, "failed");

      assert.deepEqual(await reserve("b"), { kind: "reserved", failures: 0, inFlight: 1 });
    });

    it("forgets a cleared key with its reservations", async () => {
      await settleTimes("k", 3, "failed");
      await reserve("j");
      await reserve("j");
      await reserve("j");

      await store.clearAttempts("k");
      await store.clearAttempts("j");

      assert.deepEqual(await reserve("k"), { kind: "reserved", failures: 0, inFlight: 1 });
      assert.deepEqual(await reserve("j"), { kind: "reserved", failures: 0, inFlight: 1 });
    });

    it("ignores settling a success or a release on a key it does not hold", async () => {
      await settle("k", "succeeded");
      await settle("k", "released");

      assert.deepEqual(await reserve("k"), { kind: "reserved", failures: 0, inFlight: 1 });
    });

    it("reserves a run in order and answers the last decision when all are reserved", async () => {
      await settleTimes("b", 1, "failed");

      assert.deepEqual(await reserveAThenB(), { kind: "reserved", failures: 1, inFlight: 1 });
      assert.deepEqual(await reserve("a"), { kind: "reserved", failures: 0, inFlight: 2 });
    });

    it("stops a run at a locked key and counts a failure for the keys before it", async () => {
      await settleTimes("b", 3, "failed");

      const decision = await reserveAThenB();

      assert.deepEqual(decision, { kind: "locked", lockedUntil: start + 1000, key: "b" });
      assert.deepEqual(await reserve("a"), { kind: "reserved", failures: 1, inFlight: 1 });
    });

    it("stops a run at a busy key and gives the places before it back uncounted", async () => {
      for (let i = 0; i < 3; i++) await reserve("b");

      const decision = await reserveAThenB();

      assert.deepEqual(decision, { kind: "busy", key: "b" });
      assert.deepEqual(await reserve("a"), { kind: "reserved", failures: 0, inFlight: 1 });
    });

    it("stops a run at the first locked key, leaving the keys after it untouched", async () => {
      await settleTimes("a", 3, "failed");

      assert.deepEqual(await reserveAThenB(), {
        kind: "locked",
        lockedUntil: start + 1000,
        key: "a",
      });
      assert.deepEqual(await reserve("b"), { kind: "reserved", failures: 0, inFlight: 1 });
    });

    it("settles several keys in one call", async () => {
      await reserveAThenB();
      await settleTimes("a", 2, "failed");

      await store.settleAttempts(
        [
          { key: "a", rule, outcome: "succeeded" },
          { key: "b", rule, outcome: "failed" },
        ],
        start,
      );

      assert.deepEqual(await reserve("a"), { kind: "reserved", failures: 0, inFlight: 1 });
      assert.deepEqual(await reserve("b"), { kind: "reserved", failures: 1, inFlight: 1 });
    });

    it("purges expired counters without a live reservation only, and says how many", async () => {
      await settleTimes("old", 1, "failed");
      await settleTimes("new", 1, "failed", start + 30_000);
      await store.reserveAttempt("held", rule, start, 120_000);

      const purged = await store.purgeExpiredAttempts(start + 60_000);

      assert.equal(purged, 1);
      assert.equal(await store.purgeExpiredAttempts(start + 60_000), 0);
      assert.deepEqual(await reserve("new", start + 60_000), {
        kind: "reserved",
        failures: 1,
        inFlight: 1,
      });
      assert.deepEqual(await reserve("held", start + 60_000), {
        kind: "reserved",
        failures: 0,
        inFlight: 2,
      });
    });

    it("locks at the first failure when no failure is free", async () => {
      const strict: ThrottleRule = { ...rule, freeFailures: 1 };
      const failOnce = async (now: number) => {
        assert.equal((await reserve("k", now, strict)).kind, "reserved");
        await store.settleAttempt("k", strict, "failed", now);
        return reserve("k", now, strict);
      };

      assert.deepEqual(await failOnce(start), { kind: "locked", lockedUntil: start + 1000 });
      assert.deepEqual(await failOnce(start + 1000), {
        kind: "locked",
        lockedUntil: start + 3000,
      });
    });

    it(`lets exactly the free checks run when many arrive at once, ${trials} trials`, async () => {
      for (let trial = 0; trial < trials; trial++) {
        const decisions = await Promise.all(Array.from({ length: 50 }, () => reserve(`k${trial}`)));

        assert.equal(decisions.filter((d) => d.kind === "reserved").length, 3, `trial ${trial}`);
        assert.equal(decisions.filter((d) => d.kind === "busy").length, 47, `trial ${trial}`);
      }
    });

    it("decides any sequence of steps as the reference semantics do", async () => {
      const step = fc.record({
        kind: fc.constantFrom(
          "reserve",
          "reserve",
          "reserve",
          "settle",
          "settle",
          "clear",
          "purge",
        ),
        outcome: fc.constantFrom<AttemptSettlement>("failed", "failed", "succeeded", "released"),
        key: fc.constantFrom("a", "b"),
        advanceMs: fc.constantFrom(0, 0, 400, 1000, 2500, 31_000, 61_000),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
          const model = new Map<string, ThrottleCounter>();
          const put = (key: string, counter: ThrottleCounter | undefined) => {
            if (counter === undefined) model.delete(key);
            else model.set(key, counter);
          };
          await store.clearAttempts("a");
          await store.clearAttempts("b");
          let now = start;
          for (const { kind, outcome, key, advanceMs } of steps) {
            now += advanceMs;
            if (kind === "reserve") {
              const expected = applyReservation(model.get(key), rule, now, lease);
              put(key, expected.counter);
              assert.deepEqual(
                await store.reserveAttempt(key, rule, now, lease),
                expected.decision,
              );
            } else if (kind === "settle") {
              put(key, applySettlement(model.get(key), rule, outcome, now));
              await store.settleAttempt(key, rule, outcome, now);
            } else if (kind === "clear") {
              model.delete(key);
              await store.clearAttempts(key);
            } else {
              for (const [held, counter] of model) {
                if (counter.expiresAt <= now && counter.inFlightUntil <= now) model.delete(held);
              }
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
