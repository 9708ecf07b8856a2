import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { systemClock } from "gatehouse-auth-core/clock";
import type { JwksKeySource } from "./jwks-key-source.ts";
import { createRevocationSubscription } from "./revocation-subscription.ts";

const jwksUrl = new URL("https://gatehouse.test/.well-known/jwks.json");

// The refusals below never reach a SET, so no key is ever read.
const notUsed = (): never => {
  throw new Error("not used by this test");
};
const noKeys: JwksKeySource = {
  find: notUsed,
  reload: notUsed,
  refreshIfStale: notUsed,
  refreshNow: notUsed,
};

/** A subscription whose stream answers every attempt with `refusal`; the attempts' times. */
function refusedBy(refusal: () => Response, options: { maxBackoffMs?: number } = {}) {
  const attempts: number[] = [];
  const subscription = createRevocationSubscription(
    { clientId: "rs", clientSecret: "s3cret", minBackoffMs: 20, ...options },
    {
      keys: noKeys,
      issuer: "https://gatehouse.test",
      jwksUrl,
      clock: systemClock,
      horizonMs: 60_000,
      fetch: async () => {
        attempts.push(performance.now());
        return refusal();
      },
    },
  );
  return { subscription, attempts };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("the revocation subscription's waits between attempts", () => {
  it("waits as long as a 429's Retry-After in seconds asks before trying again", async () => {
    const { subscription, attempts } = refusedBy(
      () => new Response("slow down", { status: 429, headers: { "retry-after": "1" } }),
    );
    await pause(700);
    // Without the header: 10–20, 20–40, 40–80, 80–160, 160–320 ms, so five or more attempts.
    assert.equal(attempts.length, 1);
    assert.match(subscription.state().lastError ?? "", /429/);
    await pause(600);
    await subscription.close();
    assert.equal(attempts.length, 2);
    assert.ok((attempts[1] ?? 0) - (attempts[0] ?? 0) >= 990);
  });

  it("reads a Retry-After given as an HTTP date, as a 503 may send it", async () => {
    const { subscription, attempts } = refusedBy(
      () =>
        new Response(null, {
          status: 503,
          headers: { "retry-after": new Date(Date.now() + 2000).toUTCString() },
        }),
    );
    await pause(600);
    await subscription.close();
    assert.equal(attempts.length, 1);
  });

  it("waits no longer than maxBackoffMs, whatever Retry-After asks", async () => {
    const { subscription, attempts } = refusedBy(
      () => new Response(null, { status: 429, headers: { "retry-after": "86400" } }),
      { maxBackoffMs: 100 },
    );
    await pause(600);
    await subscription.close();
    // At most 100 ms between attempts: several in 600 ms, not one a day.
    assert.ok(attempts.length >= 4, `${attempts.length} attempts`);
  });

  it("backs off as usual when Retry-After is absent or unreadable", async () => {
    for (const header of [undefined, "soon", "-5", "1.5"]) {
      const headers: Record<string, string> = header === undefined ? {} : { "retry-after": header };
      const { subscription, attempts } = refusedBy(
        () => new Response(null, { status: 401, headers }),
      );
      await pause(400);
      await subscription.close();
      assert.ok(attempts.length >= 3, `${String(header)}: ${attempts.length} attempts`);
    }
  });
});
