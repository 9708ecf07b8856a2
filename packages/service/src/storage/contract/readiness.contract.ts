// The readiness behaviour every Store adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Store } from "gatehouse-auth-core/ports";

/** Registers the readiness contract; `makeStore` returns a new, migrated, open store. */
export function describeReadinessContract(name: string, makeStore: () => Promise<Store>): void {
  describe(name, () => {
    it("is ready once open and migrated", async () => {
      const store = await makeStore();

      const { ok, detail } = await store.readiness.checkReady();

      assert.deepEqual({ ok, detail }, { ok: true, detail: "ready" });
      await store.close();
    });

    it("is not ready once closed, and says so without throwing", async () => {
      const store = await makeStore();
      await store.close();

      const readiness = await store.readiness.checkReady();

      assert.equal(readiness.ok, false);
      assert.equal(typeof readiness.detail, "string");
    });
  });
}
