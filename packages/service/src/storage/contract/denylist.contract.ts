// The behaviour every AccessTokenDenylist adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { Store } from "gatehouse-auth-core/ports";

const start = Date.UTC(2025, 0, 1);

/**
 * Registers the AccessTokenDenylist contract as a `describe` block named `name`. `makeStore`
 * must return a new, empty store; each test gets its own and closes it.
 */
export function describeAccessTokenDenylistContract(
  name: string,
  makeStore: (clock: Clock) => Promise<Store>,
): void {
  describe(name, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore(createFixedClock(start));
    });

    afterEach(async () => {
      await store.close();
    });

    it("denies an id until it is purged", async () => {
      await store.denylist.denyAccessToken("jti-1", start + 1000, start);

      assert.equal(await store.denylist.isAccessTokenDenied("jti-1"), true);
    });

    it("does not deny an id it was never given", async () => {
      await store.denylist.denyAccessToken("jti-1", start + 1000, start);

      assert.equal(await store.denylist.isAccessTokenDenied("jti-2"), false);
    });

    it("purges entries whose expiry has passed when another is added", async () => {
      await store.denylist.denyAccessToken("jti-1", start + 1000, start);

      await store.denylist.denyAccessToken("jti-2", start + 5000, start + 1000);

      assert.equal(await store.denylist.isAccessTokenDenied("jti-1"), false);
      assert.equal(await store.denylist.isAccessTokenDenied("jti-2"), true);
    });

    it("does not record a token that has already expired", async () => {
      await store.denylist.denyAccessToken("jti-1", start, start);

      assert.equal(await store.denylist.isAccessTokenDenied("jti-1"), false);
    });

    it("keeps the later expiry when an id is denied twice", async () => {
      await store.denylist.denyAccessToken("jti-1", start + 5000, start);
      await store.denylist.denyAccessToken("jti-1", start + 1000, start);

      await store.denylist.denyAccessToken("jti-2", start + 9000, start + 2000);

      assert.equal(await store.denylist.isAccessTokenDenied("jti-1"), true);
    });
  });
}
