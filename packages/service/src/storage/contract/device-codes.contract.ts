// The behaviour every DeviceCodeStore adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { NewDeviceCode } from "gatehouse-auth-core/device/device-codes";
import type { Store } from "gatehouse-auth-core/ports";

const start = Date.UTC(2025, 0, 1);
const lifetimeMs = 600_000;

function newCode(name: string, extra: Partial<NewDeviceCode> = {}): NewDeviceCode {
  return {
    deviceCodeHash: `device-${name}`,
    userCodeHash: `user-${name}`,
    clientId: "tv-app",
    scopes: ["me", "items"],
    createdAt: start,
    expiresAt: start + lifetimeMs,
    intervalSeconds: 5,
    ...extra,
  };
}

const approve = { kind: "approved", username: "johndoe", scopes: ["me"] } as const;

/**
 * Registers the DeviceCodeStore contract as a `describe` block named `name`. `makeStore` must
 * return a new, empty store on `clock`; each test gets its own and closes it.
 */
export function describeDeviceCodeStoreContract(
  name: string,
  makeStore: (clock: Clock) => Promise<Pick<Store, "deviceCodes" | "close">>,
): void {
  describe(name, () => {
    let store: Pick<Store, "deviceCodes" | "close">;

    beforeEach(async () => {
      store = await makeStore(createFixedClock(start));
    });
    afterEach(() => store.close());

    it("finds a created code by either hash, pending and never polled", async () => {
      const code = newCode("a");

      assert.equal(await store.deviceCodes.createDeviceCode(code, start), true);

      const expected = {
        ...code,
        lastPolledAt: null,
        state: "pending",
        username: null,
        grantedScopes: [],
        decidedAt: null,
      };
      assert.deepEqual(await store.deviceCodes.findDeviceCode("device-a"), expected);
      assert.deepEqual(await store.deviceCodes.findUserCode("user-a"), expected);
      assert.equal(await store.deviceCodes.findDeviceCode("device-b"), undefined);
      assert.equal(await store.deviceCodes.findUserCode("user-b"), undefined);
    });

    it("refuses a second code with the user code of an unexpired one", async () => {
      await store.deviceCodes.createDeviceCode(newCode("a"), start);

      const again = newCode("b", { userCodeHash: "user-a" });

      assert.equal(await store.deviceCodes.createDeviceCode(again, start + 1000), false);
      assert.equal(await store.deviceCodes.findDeviceCode("device-b"), undefined);
      assert.equal((await store.deviceCodes.findUserCode("user-a"))?.deviceCodeHash, "device-a");
    });

    it("hands the user code of an expired code to a new one", async () => {
      await store.deviceCodes.createDeviceCode(newCode("a"), start);
      const later = start + lifetimeMs;

      const again = newCode("b", { userCodeHash: "user-a", expiresAt: later + lifetimeMs });

      assert.equal(await store.deviceCodes.createDeviceCode(again, later), true);
      assert.equal((await store.deviceCodes.findUserCode("user-a"))?.deviceCodeHash, "device-b");
      assert.equal(await store.deviceCodes.findDeviceCode("device-a"), undefined);
    });

    it("records an approval once, with who approved and what", async () => {
      await store.deviceCodes.createDeviceCode(newCode("a"), start);

      const decided = await store.deviceCodes.decideDeviceCode("user-a", approve, start + 10);
      const again = await store.deviceCodes.decideDeviceCode(
        "user-a",
        { kind: "denied", username: "eve" },
        start + 20,
      );

      assert.equal(decided?.state, "approved");
      assert.equal(decided?.username, "johndoe");
      assert.deepEqual(decided?.grantedScopes, ["me"]);
      assert.equal(decided?.decidedAt, start + 10);
      assert.equal(again, undefined);
      assert.equal((await store.deviceCodes.findDeviceCode("device-a"))?.state, "approved");
    });

    it("records a denial without scopes", async () => {
      await store.deviceCodes.createDeviceCode(newCode("a"), start);

      const decided = await store.deviceCodes.decideDeviceCode(
        "user-a",
        { kind: "denied", username: "johndoe" },
        start,
      );

      assert.equal(decided?.state, "denied");
      assert.deepEqual(decided?.grantedScopes, []);
    });

    it("refuses a decision on an expired or unknown code", async () => {
      await store.deviceCodes.createDeviceCode(newCode("a"), start);

      assert.equal(
        await store.deviceCodes.decideDeviceCode("user-a", approve, start + lifetimeMs),
        undefined,
      );
      assert.equal(await store.deviceCodes.decideDeviceCode("user-x", approve, start), undefined);
      assert.equal((await store.deviceCodes.findDeviceCode("device-a"))?.state, "pending");
    });

    it("counts a poll sooner than the interval as too fast and adds 5 s to the interval", async () => {
      await store.deviceCodes.createDeviceCode(newCode("a"), start);

      const first = await store.deviceCodes.pollDeviceCode("device-a", start + 1000);
      const early = await store.deviceCodes.pollDeviceCode("device-a", start + 5999);
      const onTime = await store.deviceCodes.pollDeviceCode("device-a", start + 15_999);
      const earlyAgain = await store.deviceCodes.pollDeviceCode("device-a", start + 25_998);

      assert.deepEqual(
        [first, early, onTime, earlyAgain].map((poll) => [
          poll?.tooFast,
          poll?.record.intervalSeconds,
          poll?.record.lastPolledAt,
        ]),
        [
          [false, 5, start + 1000],
          [true, 10, start + 5999],
          [false, 10, start + 15_999],
          [true, 15, start + 25_998],
        ],
      );
      assert.equal(await store.deviceCodes.pollDeviceCode("device-x", start), undefined);
    });

    it("redeems an approved code once only", async () => {
      await store.deviceCodes.createDeviceCode(newCode("a"), start);
      await store.deviceCodes.decideDeviceCode("user-a", approve, start);

      const first = await store.deviceCodes.redeemDeviceCode("device-a", start + 10);
      const second = await store.deviceCodes.redeemDeviceCode("device-a", start + 20);

      assert.equal(first?.state, "redeemed");
      assert.equal(first?.username, "johndoe");
      assert.equal(second, undefined);
    });

    it("redeems no pending, denied, expired or unknown code", async () => {
      await store.deviceCodes.createDeviceCode(newCode("pending"), start);
      await store.deviceCodes.createDeviceCode(newCode("denied"), start);
      await store.deviceCodes.decideDeviceCode(
        "user-denied",
        { kind: "denied", username: "johndoe" },
        start,
      );
      await store.deviceCodes.createDeviceCode(newCode("late"), start);
      await store.deviceCodes.decideDeviceCode("user-late", approve, start);

      assert.equal(await store.deviceCodes.redeemDeviceCode("device-pending", start), undefined);
      assert.equal(await store.deviceCodes.redeemDeviceCode("device-denied", start), undefined);
      assert.equal(
        await store.deviceCodes.redeemDeviceCode("device-late", start + lifetimeMs),
        undefined,
      );
      assert.equal(await store.deviceCodes.redeemDeviceCode("device-x", start), undefined);
    });

    it("lets exactly one of many concurrent redemptions win, in each of 60 trials", async () => {
      for (let trial = 0; trial < 60; trial++) {
        const name = `race-${trial}`;
        await store.deviceCodes.createDeviceCode(newCode(name), start);
        await store.deviceCodes.decideDeviceCode(`user-${name}`, approve, start);

        const results = await Promise.all(
          Array.from({ length: 4 }, () =>
            store.deviceCodes.redeemDeviceCode(`device-${name}`, start + 1),
          ),
        );

        assert.equal(results.filter((result) => result !== undefined).length, 1, name);
      }
    });

    it("lets exactly one of an approval and a denial at once win, in each of 60 trials", async () => {
      for (let trial = 0; trial < 60; trial++) {
        const name = `decide-${trial}`;
        await store.deviceCodes.createDeviceCode(newCode(name), start);

        const results = await Promise.all([
          store.deviceCodes.decideDeviceCode(`user-${name}`, approve, start + 1),
          store.deviceCodes.decideDeviceCode(
            `user-${name}`,
            { kind: "denied", username: "johndoe" },
            start + 1,
          ),
        ]);

        const won = results.filter((result) => result !== undefined);
        assert.equal(won.length, 1, name);
        const stored = await store.deviceCodes.findDeviceCode(`device-${name}`);
        assert.equal(stored?.state, won[0]?.state);
      }
    });

    it("counts concurrent polls one after another: one on time, the rest too fast", async () => {
      for (let trial = 0; trial < 60; trial++) {
        const name = `poll-${trial}`;
        await store.deviceCodes.createDeviceCode(newCode(name), start);

        const polls = await Promise.all(
          Array.from({ length: 3 }, () =>
            store.deviceCodes.pollDeviceCode(`device-${name}`, start + 1),
          ),
        );

        assert.deepEqual(polls.map((poll) => poll?.tooFast).sort(), [false, true, true], name);
        const stored = await store.deviceCodes.findDeviceCode(`device-${name}`);
        assert.equal(stored?.intervalSeconds, 15, name);
      }
    });

    it("purges only codes that expired before the given time", async () => {
      await store.deviceCodes.createDeviceCode(newCode("old", { expiresAt: start + 10 }), start);
      await store.deviceCodes.createDeviceCode(newCode("new"), start);

      const purged = await store.deviceCodes.purgeDeviceCodes(start + 11);

      assert.equal(purged, 1);
      assert.equal(await store.deviceCodes.findDeviceCode("device-old"), undefined);
      assert.notEqual(await store.deviceCodes.findDeviceCode("device-new"), undefined);
    });
  });
}
