import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { defaultThrottlePolicy } from "gatehouse-auth-core/grants/throttle";
import type { CountingHasher } from "../../../../../test/fixtures/fast-hasher.ts";
import {
  createCountingHasher,
  createFastHasher,
} from "../../../../../test/fixtures/fast-hasher.ts";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";

const lockedBody = {
  error: "temporarily_unavailable",
  error_description: "Too many failed attempts, retry later",
  detail: "Too many failed attempts, retry later",
};

// What a client learns from an answer: status, body and headers, less the per-request id.
async function observable(response: Response): Promise<unknown> {
  const headers = Object.fromEntries(
    [...response.headers].filter(([name]) => name !== "x-request-id"),
  );
  return { status: response.status, body: await response.json(), headers };
}

describe("brute-force throttling at POST /token", () => {
  let t: TestApp;
  let hasher: CountingHasher;
  afterEach(() => t.close());

  const setup = async (): Promise<void> => {
    hasher = createCountingHasher(createFastHasher());
    t = await makeTestApp({ hasher });
  };
  const login = (username: string, password: string, address?: string): Promise<Response> => {
    const env =
      address === undefined ? undefined : { incoming: { socket: { remoteAddress: address } } };
    return Promise.resolve(
      t.app.request(
        "/token",
        { method: "POST", body: new URLSearchParams({ username, password }) },
        env,
      ),
    );
  };
  const failTimes = async (
    username: string,
    times: number,
    address?: string,
  ): Promise<number[]> => {
    const statuses: number[] = [];
    for (let i = 0; i < times; i++) statuses.push((await login(username, "wrong", address)).status);
    return statuses;
  };

  it("answers 429 with Retry-After once an account used its free attempts", async () => {
    await setup();
    const before = await failTimes("johndoe", 5);

    const response = await login("johndoe", "wrong");

    assert.deepEqual(before, [400, 400, 400, 400, 400]);
    assert.equal(response.status, 429);
    assert.equal(response.headers.get("retry-after"), "1");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.deepEqual(await response.json(), lockedBody);
  });

  it("answers a locked existing account and a locked unknown name alike", async () => {
    await setup();
    await failTimes("johndoe", 5);
    await failTimes("nobody", 5);

    const existing = await observable(await login("johndoe", "wrong"));
    const unknown = await observable(await login("nobody", "wrong"));

    assert.deepEqual(existing, unknown);
  });

  it("does no hashing work for a locked account, existing or not", async () => {
    await setup();
    await failTimes("johndoe", 5);
    await failTimes("nobody", 5);
    const verifications = hasher.verifications;

    await login("johndoe", "wrong");
    await login("nobody", "wrong");

    assert.equal(hasher.verifications, verifications);
  });

  it("refuses the right password while the account is locked", async () => {
    await setup();
    await failTimes("johndoe", 5);

    const response = await login("johndoe", "secret");

    assert.equal(response.status, 429);
    assert.equal("access_token" in ((await response.json()) as object), false);
  });

  it("lets the right password in once the lock has passed", async () => {
    await setup();
    await failTimes("johndoe", 5);

    t.clock.advance(1000);

    assert.equal((await login("johndoe", "secret")).status, 200);
  });

  it("doubles the wait with each failure after the lock", async () => {
    await setup();
    await failTimes("johndoe", 5);
    t.clock.advance(1000);
    await failTimes("johndoe", 1);

    const response = await login("johndoe", "wrong");

    assert.equal(response.headers.get("retry-after"), "2");
  });

  it("resets the account's counter after a successful login", async () => {
    await setup();
    await failTimes("johndoe", 4);
    assert.equal((await login("johndoe", "secret")).status, 200);

    const after = await failTimes("johndoe", 5);

    assert.deepEqual(after, [400, 400, 400, 400, 400]);
  });

  it("counts a disabled user's right password as a failure", async () => {
    await setup();
    await failTimes("alice", 4);
    await login("alice", "secret2");

    assert.equal((await login("alice", "secret2")).status, 429);
  });

  it("checks no more than the free attempts' passwords when 50 wrong ones arrive at once", async () => {
    await setup();

    const responses = await Promise.all(
      Array.from({ length: 50 }, () => login("johndoe", "wrong")),
    );

    const statuses = responses.map((response) => response.status);
    assert.equal(statuses.filter((status) => status === 400).length, 5);
    assert.equal(statuses.filter((status) => status === 429).length, 45);
    assert.equal(hasher.verifications, 5);
  });

  it("locks a client address that fails against many accounts", async () => {
    await setup();
    const free = defaultThrottlePolicy.address.freeFailures;
    for (let i = 0; i < free; i++) await login(`user${i}`, "wrong", "198.51.100.7");

    const same = await login("johndoe", "secret", "198.51.100.7");
    const other = await login("johndoe", "secret", "198.51.100.8");

    assert.equal(same.status, 429);
    assert.equal(other.status, 200);
  });

  it("does not lock an address for its successful logins", async () => {
    await setup();
    const free = defaultThrottlePolicy.address.freeFailures;

    const statuses = new Set<number>();
    for (let i = 0; i < free + 5; i++) {
      statuses.add((await login("johndoe", "secret", "198.51.100.7")).status);
    }

    assert.deepEqual([...statuses], [200]);
  });

  it("holds a refusal of a locked account back for the configured delay, and no other answer", async () => {
    hasher = createCountingHasher(createFastHasher());
    t = await makeTestApp({ hasher, throttleRefusalDelayMs: 200 });
    const failed = performance.now();
    await failTimes("johndoe", 5);
    const failuresTook = performance.now() - failed;

    const started = performance.now();
    const response = await login("johndoe", "wrong");
    const took = performance.now() - started;

    assert.equal(response.status, 429);
    assert.equal(response.headers.get("retry-after"), "1");
    assert.ok(took >= 190, `answered after ${took} ms`);
    assert.ok(failuresTook < 5 * 190, `five failures took ${failuresTook} ms`);
  });

  it("answers refusals at once once 1024 are held back", async () => {
    hasher = createCountingHasher(createFastHasher());
    t = await makeTestApp({ hasher, throttleRefusalDelayMs: 5000 });
    await failTimes("johndoe", 5);
    await login("johndoe", "wrong");
    const held = Array.from({ length: 1024 }, () => login("johndoe", "wrong"));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = performance.now();
    const response = await login("johndoe", "wrong");
    const took = performance.now() - started;

    assert.equal(response.status, 429);
    assert.ok(took < 500, `answered after ${took} ms`);
    assert.deepEqual(new Set((await Promise.all(held)).map((r) => r.status)), new Set([429]));
  });

  describe("with device proofs", () => {
    const setupWithProofs = async (): Promise<void> => {
      hasher = createCountingHasher(createFastHasher());
      t = await makeTestApp({ hasher, deviceProofSecret: "a device proof secret of 32 bytes!" });
    };
    const loginWith = (form: Record<string, string>, address: string): Promise<Response> =>
      Promise.resolve(
        t.app.request(
          "/token",
          { method: "POST", body: new URLSearchParams(form) },
          {
            incoming: { socket: { remoteAddress: address } },
          },
        ),
      );

    it("answers a device proof and lets it in while others locked the account", async () => {
      await setupWithProofs();
      const first = await loginWith({ username: "johndoe", password: "secret" }, "192.0.2.1");
      const { device_proof: proof } = (await first.json()) as { device_proof?: string };
      assert.equal(typeof proof, "string");
      await failTimes("johndoe", 5, "198.51.100.7");

      const stranger = await loginWith({ username: "johndoe", password: "secret" }, "192.0.2.1");
      const owner = await loginWith(
        { username: "johndoe", password: "secret", device_proof: proof ?? "" },
        "192.0.2.1",
      );

      assert.equal(stranger.status, 429);
      assert.equal(owner.status, 200);
    });

    it("gives a proof of another account no way past the lock", async () => {
      await setupWithProofs();
      const alice = await loginWith({ username: "alice", password: "secret2" }, "192.0.2.1");
      const { device_proof: proof } = (await alice.json()) as { device_proof?: string };
      await failTimes("johndoe", 5, "198.51.100.7");

      const response = await loginWith(
        { username: "johndoe", password: "secret", device_proof: proof ?? "" },
        "192.0.2.1",
      );

      assert.equal(response.status, 429);
    });

    it("answers no device proof when they are off", async () => {
      await setup();

      const response = await login("johndoe", "secret");

      assert.equal(((await response.json()) as { device_proof?: string }).device_proof, undefined);
    });
  });
});
