// The behaviour every SigningKeyStore adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import { generateSigningKey } from "gatehouse-auth-core/keys/key-material";
import type { SigningKeyRecord } from "gatehouse-auth-core/keys/signing-keys";
import type { Store } from "gatehouse-auth-core/ports";

const start = Date.UTC(2025, 0, 1);

function hsKey(kid: string, activatedAt: number): SigningKeyRecord {
  return {
    kid,
    algorithm: "HS256",
    secret: `secret-of-${kid}`,
    publicJwk: null,
    createdAt: activatedAt,
    activatedAt,
    retiresAt: null,
  };
}

/**
 * Registers the SigningKeyStore contract as a `describe` block named `name`. `makeStore` must
 * return a new, empty store; each test gets its own and closes it.
 */
export function describeSigningKeyStoreContract(
  name: string,
  makeStore: (clock: Clock) => Promise<Pick<Store, "signingKeys" | "close">>,
): void {
  describe(name, () => {
    let store: Pick<Store, "signingKeys" | "close">;

    beforeEach(async () => {
      store = await makeStore(createFixedClock(start));
    });
    afterEach(() => store.close());

    it("holds no keys when new", async () => {
      assert.deepEqual(await store.signingKeys.listSigningKeys(), []);
    });

    for (const algorithm of ["EdDSA", "ES256", "HS256"] as const) {
      it(`keeps a generated ${algorithm} key field for field`, async () => {
        const key = generateSigningKey(algorithm, start);

        await store.signingKeys.ensureSigningKey(key);

        assert.deepEqual(await store.signingKeys.listSigningKeys(), [key]);
      });
    }

    it("stores a candidate as active even when it claims a retirement time", async () => {
      const stored = await store.signingKeys.ensureSigningKey({
        ...hsKey("k1", start),
        retiresAt: start,
      });

      assert.equal(stored.retiresAt, null);
    });

    it("keeps the active key when ensured again with another candidate", async () => {
      await store.signingKeys.ensureSigningKey(hsKey("k1", start));

      const kept = await store.signingKeys.ensureSigningKey(hsKey("k2", start + 1));

      assert.equal(kept.kid, "k1");
      assert.equal((await store.signingKeys.listSigningKeys()).length, 1);
    });

    it("makes the rotated-in key the one active key and gives the old one its retirement time", async () => {
      await store.signingKeys.ensureSigningKey(hsKey("k1", start));

      const rotated = await store.signingKeys.rotateSigningKey(
        hsKey("k2", start + 10),
        start + 5000,
      );

      assert.deepEqual(rotated, hsKey("k2", start + 10));
      assert.deepEqual(await store.signingKeys.listSigningKeys(), [
        hsKey("k2", start + 10),
        { ...hsKey("k1", start), retiresAt: start + 5000 },
      ]);
    });

    it("does not move an earlier key's retirement when rotating again", async () => {
      await store.signingKeys.ensureSigningKey(hsKey("k1", start));
      await store.signingKeys.rotateSigningKey(hsKey("k2", start + 10), start + 5000);

      await store.signingKeys.rotateSigningKey(hsKey("k3", start + 20), start + 9000);

      const retirements = (await store.signingKeys.listSigningKeys()).map((key) => [
        key.kid,
        key.retiresAt,
      ]);
      assert.deepEqual(retirements, [
        ["k3", null],
        ["k2", start + 9000],
        ["k1", start + 5000],
      ]);
    });

    it("ensures the rotated-in key afterwards, not the first one", async () => {
      await store.signingKeys.ensureSigningKey(hsKey("k1", start));
      await store.signingKeys.rotateSigningKey(hsKey("k2", start + 10), start + 5000);

      const kept = await store.signingKeys.ensureSigningKey(hsKey("k3", start + 20));

      assert.equal(kept.kid, "k2");
    });

    it("refuses to rotate in a kid it already holds, leaving the keys as they were", async () => {
      await store.signingKeys.ensureSigningKey(hsKey("k1", start));
      const before = await store.signingKeys.listSigningKeys();

      await assert.rejects(
        store.signingKeys.rotateSigningKey(hsKey("k1", start + 10), start + 5000),
      );

      assert.deepEqual(await store.signingKeys.listSigningKeys(), before);
    });

    it("hands out copies, so changing a returned record changes nothing stored", async () => {
      await store.signingKeys.ensureSigningKey(hsKey("k1", start));
      const [listed] = await store.signingKeys.listSigningKeys();
      if (listed !== undefined) Object.assign(listed, { retiresAt: 1 });

      assert.deepEqual(await store.signingKeys.listSigningKeys(), [hsKey("k1", start)]);
    });
  });
}
