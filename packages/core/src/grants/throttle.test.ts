import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMemoryThrottleStore } from "gatehouse-auth/storage/memory/throttle";
import { createFixedClock } from "../clock.ts";
import type { ThrottlePolicy } from "./throttle.ts";
import { accountThrottleKey, createLoginThrottle } from "./throttle.ts";
import type { ThrottleStore } from "./throttle-store.ts";

const policy: ThrottlePolicy = {
  account: { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 8000, windowMs: 60_000 },
  address: { freeFailures: 5, baseDelayMs: 2000, maxDelayMs: 8000, windowMs: 60_000 },
};

function setup(store: ThrottleStore = createMemoryThrottleStore()) {
  const clock = createFixedClock(Date.UTC(2026, 0, 1));
  return { clock, store, throttle: createLoginThrottle({ store, clock, policy }) };
}

async function failTimes(
  throttle: ReturnType<typeof setup>["throttle"],
  username: string,
  address: string | undefined,
  times: number,
): Promise<void> {
  for (let i = 0; i < times; i++) await (await throttle.begin(username, address)).failed();
}

describe("login throttle", () => {
  it("refuses an account once its free attempts are used, with the seconds to wait", async () => {
    const { throttle } = setup();
    await failTimes(throttle, "johndoe", "192.0.2.1", 3);

    await assert.rejects(throttle.begin("johndoe", "192.0.2.2"), {
      name: "AuthError",
      code: "throttled",
      retryAfterSeconds: 1,
    });
  });

  it("counts case and Unicode variants of a username as one account", async () => {
    const { throttle } = setup();
    await failTimes(throttle, "JohnDoe", undefined, 2);
    await failTimes(throttle, " johndoe ", undefined, 1);

    await assert.rejects(throttle.begin("ＪＯＨＮＤＯＥ", undefined), { code: "throttled" });
  });

  it("lets the account in again once the lock has passed", async () => {
    const { throttle, clock } = setup();
    await failTimes(throttle, "johndoe", undefined, 3);

    clock.advance(1000);

    await assert.doesNotReject(throttle.begin("johndoe", undefined));
  });

  it("resets the account's counter after a success", async () => {
    const { throttle } = setup();
    await failTimes(throttle, "johndoe", undefined, 2);
    const attempt = await throttle.begin("johndoe", undefined);

    await attempt.succeeded();

    await assert.doesNotReject(failTimes(throttle, "johndoe", undefined, 3));
    await assert.rejects(throttle.begin("johndoe", undefined), { code: "throttled" });
  });

  it("refuses an address that failed against many accounts", async () => {
    const { throttle } = setup();
    for (const name of ["a", "b", "c", "d", "e"]) await failTimes(throttle, name, "192.0.2.9", 1);

    await assert.rejects(throttle.begin("f", "192.0.2.9"), {
      code: "throttled",
      retryAfterSeconds: 2,
    });
    await assert.doesNotReject(throttle.begin("f", "192.0.2.10"));
  });

  it("takes a success back from the address's counter without clearing its failures", async () => {
    const { throttle } = setup();
    for (const name of ["a", "b", "c", "d"]) await failTimes(throttle, name, "192.0.2.9", 1);
    const good = await throttle.begin("mine", "192.0.2.9");

    await good.succeeded();

    await failTimes(throttle, "e", "192.0.2.9", 1);
    await assert.rejects(throttle.begin("f", "192.0.2.9"), { code: "throttled" });
  });

  it("does not count the account while the address is locked", async () => {
    const { throttle, clock } = setup();
    for (const name of ["a", "b", "c", "d", "e"]) await failTimes(throttle, name, "192.0.2.9", 1);
    await assert.rejects(throttle.begin("victim", "192.0.2.9"), { code: "throttled" });
    await assert.rejects(throttle.begin("victim", "192.0.2.9"), { code: "throttled" });
    await assert.rejects(throttle.begin("victim", "192.0.2.9"), { code: "throttled" });

    clock.advance(1);

    await assert.doesNotReject(failTimes(throttle, "victim", "192.0.2.10", 3));
  });

  it("purges expired counters at most once per interval", async () => {
    let purges = 0;
    const inner = createMemoryThrottleStore();
    const store: ThrottleStore = {
      ...inner,
      purgeExpiredAttempts: (now) => {
        purges++;
        return inner.purgeExpiredAttempts(now);
      },
    };
    const clock = createFixedClock(0);
    const throttle = createLoginThrottle({ store, clock, policy, purgeIntervalMs: 1000 });

    await failTimes(throttle, "a", undefined, 2);
    clock.advance(1000);
    await failTimes(throttle, "b", undefined, 1);

    assert.equal(purges, 2);
  });

  it("refuses a lock it has seen from memory, without asking the store again", async () => {
    const inner = createMemoryThrottleStore();
    let runs = 0;
    const store: ThrottleStore = {
      ...inner,
      reserveAttempts: (attempts, now, leaseMs) => {
        runs++;
        return inner.reserveAttempts(attempts, now, leaseMs);
      },
    };
    const { throttle, clock } = setup(store);
    await failTimes(throttle, "johndoe", "192.0.2.1", 3);
    await assert.rejects(throttle.begin("johndoe", "192.0.2.1"), { code: "throttled" });
    const seen = runs;

    clock.advance(500);
    await assert.rejects(throttle.begin("johndoe", "192.0.2.2"), {
      code: "throttled",
      retryAfterSeconds: 1,
    });
    await assert.rejects(
      throttle.attempt("johndoe", undefined, async () => "checked"),
      {
        code: "throttled",
      },
    );

    assert.equal(runs, seen);
    clock.advance(500);
    await assert.doesNotReject(throttle.begin("johndoe", "192.0.2.2"));
    assert.equal(runs, seen + 1);
  });

  it("lets the attempt let through after a lock clear the account when it succeeds", async () => {
    const { throttle, clock } = setup();
    await failTimes(throttle, "johndoe", undefined, 3);
    clock.advance(1000);
    const probe = await throttle.begin("johndoe", undefined);

    await probe.succeeded();

    await assert.doesNotReject(failTimes(throttle, "johndoe", undefined, 2));
  });

  it("lets as many checks of one account run at once as failures are free", async () => {
    const { throttle } = setup();
    let inFlight = 0;
    let most = 0;
    const logIn = () =>
      throttle.attempt("johndoe", undefined, async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      });

    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, logIn));

    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      Array.from({ length: 12 }, () => "fulfilled"),
    );
    assert.equal(most, policy.account.freeFailures);
  });

  it("gives parallel wrong passwords for one account the free checks and no more", async () => {
    const { throttle } = setup();
    let checks = 0;
    const logIn = () =>
      throttle.attempt("johndoe", undefined, async () => {
        checks++;
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error("wrong password");
      });

    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, logIn));

    assert.equal(checks, policy.account.freeFailures);
    assert.equal(
      outcomes.filter(
        (outcome) => outcome.status === "rejected" && outcome.reason.code === "throttled",
      ).length,
      12 - policy.account.freeFailures,
    );
  });

  it("holds checks back while the failures so far and those in flight reach the limit", async () => {
    const { throttle } = setup();
    await failTimes(throttle, "johndoe", undefined, 2);
    const gate = Promise.withResolvers<void>();
    let checks = 0;
    const first = throttle.attempt("johndoe", undefined, async () => {
      checks++;
      await gate.promise;
    });
    const second = throttle.attempt("johndoe", undefined, async () => {
      checks++;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(checks, 1);

    gate.resolve();

    await Promise.all([first, second]);
    assert.equal(checks, 2);
  });

  it("waits for a check settling on another instance of the same store", async () => {
    const store = createMemoryThrottleStore();
    const clock = createFixedClock(Date.UTC(2026, 0, 1));
    const here = createLoginThrottle({ store, clock, policy });
    const there = createLoginThrottle({ store, clock, policy });
    const held = await Promise.all([1, 2, 3].map(() => there.begin("johndoe", undefined)));
    let done = false;
    const waiting = here.attempt("johndoe", undefined, async () => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(done, false);

    await held[0]?.succeeded();

    await waiting;
    assert.equal(done, true);
    await Promise.all(held.slice(1).map((attempt) => attempt.succeeded()));
  });

  it("lets the places held by an instance that died lapse after their lease", async () => {
    const store = createMemoryThrottleStore();
    const clock = createFixedClock(Date.UTC(2026, 0, 1));
    const dead = createLoginThrottle({ store, clock, policy, reservationLeaseMs: 5000 });
    await Promise.all([1, 2, 3].map(() => dead.begin("johndoe", undefined)));
    const alive = createLoginThrottle({ store, clock, policy, maxWaitMs: 30 });
    await assert.rejects(alive.begin("johndoe", undefined), { code: "throttled" });

    clock.advance(5000);

    await assert.doesNotReject(alive.attempt("johndoe", undefined, async () => undefined));
  });

  it("refuses an attempt that waited the longest wait, with a retry after one second", async () => {
    const store = createMemoryThrottleStore();
    const clock = createFixedClock(0);
    const throttle = createLoginThrottle({ store, clock, policy, maxWaitMs: 30 });
    const held = await Promise.all([1, 2, 3].map(() => throttle.begin("johndoe", undefined)));

    await assert.rejects(throttle.begin("johndoe", undefined), {
      code: "throttled",
      retryAfterSeconds: 1,
    });
    await Promise.all(held.map((attempt) => attempt.failed()));
  });

  it("refuses an attempt once too many already wait for the account", async () => {
    const store = createMemoryThrottleStore();
    const clock = createFixedClock(0);
    const throttle = createLoginThrottle({ store, clock, policy, maxQueuedPerAccount: 2 });
    const gate = Promise.withResolvers<void>();
    const held = [1, 2, 3].map(() => throttle.attempt("johndoe", undefined, () => gate.promise));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const queued = [1, 2].map(() => throttle.attempt("johndoe", undefined, async () => undefined));
    await new Promise((resolve) => setTimeout(resolve, 10));

    await assert.rejects(
      throttle.attempt("johndoe", undefined, async () => undefined),
      { code: "throttled", retryAfterSeconds: 1 },
    );
    await assert.doesNotReject(throttle.attempt("alice", undefined, async () => undefined));
    gate.resolve();
    await Promise.all([...held, ...queued]);
  });

  it("settles an attempt once, however often it is told", async () => {
    const { throttle } = setup();
    const attempt = await throttle.begin("johndoe", undefined);

    await attempt.failed();
    await attempt.failed();
    await attempt.failed();

    await assert.doesNotReject(failTimes(throttle, "johndoe", undefined, 2));
  });

  it("keys an account by a digest that does not hold the name", () => {
    const key = accountThrottleKey("correct horse battery staple");

    assert.equal(key.includes("horse"), false);
    assert.equal(key, accountThrottleKey("Correct Horse Battery Staple"));
  });
});
