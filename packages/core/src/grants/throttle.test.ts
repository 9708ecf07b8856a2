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
  for (let i = 0; i < times; i++) await throttle.begin(username, address);
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
    await throttle.begin(" johndoe ", undefined);

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
  });

  it("refuses an address that failed against many accounts", async () => {
    const { throttle } = setup();
    for (const name of ["a", "b", "c", "d", "e"]) await throttle.begin(name, "192.0.2.9");

    await assert.rejects(throttle.begin("f", "192.0.2.9"), {
      code: "throttled",
      retryAfterSeconds: 2,
    });
    await assert.doesNotReject(throttle.begin("f", "192.0.2.10"));
  });

  it("takes a success back from the address's counter without clearing its failures", async () => {
    const { throttle } = setup();
    for (const name of ["a", "b", "c", "d"]) await throttle.begin(name, "192.0.2.9");
    const good = await throttle.begin("mine", "192.0.2.9");

    await good.succeeded();

    await throttle.begin("e", "192.0.2.9");
    await assert.rejects(throttle.begin("f", "192.0.2.9"), { code: "throttled" });
  });

  it("does not count the account while the address is locked", async () => {
    const { throttle, clock } = setup();
    for (const name of ["a", "b", "c", "d", "e"]) await throttle.begin(name, "192.0.2.9");
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
    await throttle.begin("b", undefined);

    assert.equal(purges, 2);
  });

  it("refuses a lock it has seen from memory, without asking the store again", async () => {
    const inner = createMemoryThrottleStore();
    let runs = 0;
    const store: ThrottleStore = {
      ...inner,
      countAttempts: (attempts, now) => {
        runs++;
        return inner.countAttempts(attempts, now);
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

  it("forgets a remembered lock when a success on this instance lifts it", async () => {
    const { throttle } = setup();
    await failTimes(throttle, "johndoe", undefined, 2);
    const inFlight = await throttle.begin("johndoe", undefined);
    await assert.rejects(throttle.begin("johndoe", undefined), { code: "throttled" });

    await inFlight.succeeded();

    await assert.doesNotReject(throttle.begin("johndoe", undefined));
  });

  it("decides parallel attempts on one account as if they came one by one", async () => {
    const { throttle } = setup();
    const order: string[] = [];
    const logIn = (password: string) =>
      throttle.attempt("johndoe", undefined, async () => {
        order.push(`start ${password}`);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`end ${password}`);
        if (password !== "secret") throw new Error("wrong password");
      });

    const outcomes = await Promise.allSettled(
      ["x", "secret", "y", "z", "secret", "w", "v", "u", "t"].map(logIn),
    );

    assert.deepEqual(
      outcomes.map((outcome) => outcome.status === "fulfilled" || outcome.reason.message),
      [
        "wrong password",
        true,
        "wrong password",
        "wrong password",
        true,
        "wrong password",
        "wrong password",
        "wrong password",
        "too many failed attempts",
      ],
    );
    for (let i = 0; i < order.length; i += 2) {
      assert.equal(order[i]?.slice(6), order[i + 1]?.slice(4));
    }
  });

  it("refuses an attempt once too many already wait for the account", async () => {
    const store = createMemoryThrottleStore();
    const clock = createFixedClock(0);
    const throttle = createLoginThrottle({ store, clock, policy, maxQueuedPerAccount: 2 });
    const gate = Promise.withResolvers<void>();
    const first = throttle.attempt("johndoe", undefined, () => gate.promise);
    const second = throttle.attempt("johndoe", undefined, async () => undefined);

    await assert.rejects(
      throttle.attempt("johndoe", undefined, async () => undefined),
      {
        code: "throttled",
        retryAfterSeconds: 1,
      },
    );
    await assert.doesNotReject(throttle.attempt("alice", undefined, async () => undefined));
    gate.resolve();
    await Promise.all([first, second]);
  });

  it("keys an account by a digest that does not hold the name", () => {
    const key = accountThrottleKey("correct horse battery staple");

    assert.equal(key.includes("horse"), false);
    assert.equal(key, accountThrottleKey("Correct Horse Battery Staple"));
  });
});
