import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMemoryRefreshTokenStore } from "gatehouse-auth/storage/memory/refresh-tokens";
import { createFixedClock } from "../clock.ts";
import type { RefreshPolicy, RefreshTokenStore } from "./refresh-tokens.ts";
import { startRefreshFamily } from "./refresh-tokens.ts";

const policy: RefreshPolicy = {
  absoluteLifetimeSeconds: 3600,
  idleLifetimeSeconds: 600,
  reuseGraceSeconds: 0,
};

function countingStore(): { store: RefreshTokenStore; purges: number[] } {
  const inner = createMemoryRefreshTokenStore(() => true);
  const purges: number[] = [];
  const store: RefreshTokenStore = {
    ...inner,
    purgeRefreshFamilies: (now) => {
      purges.push(now);
      return inner.purgeRefreshFamilies(now);
    },
  };
  return { store, purges };
}

describe("starting refresh token families", () => {
  it("purges expired families on the first login, then at most once a minute", async () => {
    const { store, purges } = countingStore();
    const clock = createFixedClock(1_000_000);
    const deps = { refreshTokens: store, clock, refreshPolicy: policy };

    await startRefreshFamily(deps, { username: "johndoe", scopes: [], clientId: null });
    clock.advance(59_999);
    await startRefreshFamily(deps, { username: "johndoe", scopes: [], clientId: null });
    clock.advance(1);
    await startRefreshFamily(deps, { username: "johndoe", scopes: [], clientId: null });

    assert.deepEqual(purges, [1_000_000, 1_060_000]);
  });

  it("keeps a purge schedule for each store", async () => {
    const first = countingStore();
    const second = countingStore();
    const clock = createFixedClock(1_000_000);

    await startRefreshFamily(
      { refreshTokens: first.store, clock, refreshPolicy: policy },
      { username: "johndoe", scopes: [], clientId: null },
    );
    await startRefreshFamily(
      { refreshTokens: second.store, clock, refreshPolicy: policy },
      { username: "johndoe", scopes: [], clientId: null },
    );

    assert.deepEqual([first.purges.length, second.purges.length], [1, 1]);
  });
});
