// The behaviour every RefreshTokenStore adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";
import type { NewRefreshFamily, NewRefreshToken } from "gatehouse-auth-core/tokens/refresh-tokens";

const start = Date.UTC(2025, 0, 1);
const day = 24 * 60 * 60 * 1000;

function token(hash: string, issuedAt = start, expiresAt = start + 7 * day): NewRefreshToken {
  return { tokenHash: hash, issuedAt, expiresAt };
}

function family(familyId: string, username: string, first: NewRefreshToken): NewRefreshFamily {
  return {
    familyId,
    username,
    scopes: ["me", "items"],
    createdAt: start,
    expiresAt: start + 30 * day,
    token: first,
  };
}

/**
 * Registers the RefreshTokenStore contract as a `describe` block named `name`. `makeStore` must
 * return a new, empty store; each test gets its own and closes it.
 */
export function describeRefreshTokenStoreContract(
  name: string,
  makeStore: (clock: Clock) => Promise<Store>,
): void {
  describe(name, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore(createFixedClock(start));
      for (const username of ["alice", "bob"]) {
        await store.users.createUser({
          username,
          passwordHash: `hash-${username}` as PasswordHash,
        });
      }
    });

    afterEach(async () => {
      await store.close();
    });

    it("finds the first token of a new family as active, joined with its family", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));

      assert.deepEqual(await store.refreshTokens.findRefreshToken("t1"), {
        tokenHash: "t1",
        familyId: "f1",
        username: "alice",
        scopes: ["me", "items"],
        state: "active",
        issuedAt: start,
        expiresAt: start + 7 * day,
        spentAt: null,
        successorHash: null,
        familyCreatedAt: start,
        familyExpiresAt: start + 30 * day,
        familyRevoked: false,
        clientId: null,
      });
    });

    it("returns undefined for an unknown token hash", async () => {
      assert.equal(await store.refreshTokens.findRefreshToken("nope"), undefined);
    });

    it("refuses a family for an unknown user with user_not_found", async () => {
      await assert.rejects(
        store.refreshTokens.createRefreshFamily(family("f1", "ghost", token("t1"))),
        {
          name: "AuthError",
          code: "user_not_found",
        },
      );
    });

    it("rotates an active token: it is spent, pointing at its successor, which is active", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));

      const rotated = await store.refreshTokens.rotateRefreshToken(
        "t1",
        token("t2", start + 5),
        start + 5,
      );

      assert.equal(rotated, true);
      const spent = await store.refreshTokens.findRefreshToken("t1");
      assert.equal(spent?.state, "rotated");
      assert.equal(spent?.spentAt, start + 5);
      assert.equal(spent?.successorHash, "t2");
      const next = await store.refreshTokens.findRefreshToken("t2");
      assert.equal(next?.state, "active");
      assert.equal(next?.familyId, "f1");
      assert.equal(next?.issuedAt, start + 5);
    });

    it("rotates a token only once", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));
      await store.refreshTokens.rotateRefreshToken("t1", token("t2"), start);

      const again = await store.refreshTokens.rotateRefreshToken("t1", token("t3"), start);

      assert.equal(again, false);
      assert.equal(await store.refreshTokens.findRefreshToken("t3"), undefined);
    });

    it("lets exactly one of two concurrent rotations of the same token win", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));

      const results = await Promise.all([
        store.refreshTokens.rotateRefreshToken("t1", token("a"), start),
        store.refreshTokens.rotateRefreshToken("t1", token("b"), start),
      ]);

      assert.deepEqual(results.filter(Boolean).length, 1);
      const found = [
        await store.refreshTokens.findRefreshToken("a"),
        await store.refreshTokens.findRefreshToken("b"),
      ];
      assert.equal(found.filter((record) => record !== undefined).length, 1);
    });

    it("refuses to rotate an expired token", async () => {
      await store.refreshTokens.createRefreshFamily(
        family("f1", "alice", token("t1", start, start + 10)),
      );

      assert.equal(
        await store.refreshTokens.rotateRefreshToken("t1", token("t2"), start + 10),
        false,
      );
      assert.equal((await store.refreshTokens.findRefreshToken("t1"))?.state, "active");
    });

    it("refuses to rotate a token of a family past its absolute lifetime", async () => {
      const first = token("t1", start, start + 60 * day);
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", first));

      assert.equal(
        await store.refreshTokens.rotateRefreshToken("t1", token("t2"), start + 30 * day),
        false,
      );
    });

    it("refuses to rotate a token of a revoked family", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));
      await store.refreshTokens.revokeRefreshFamily("f1", start);

      assert.equal(await store.refreshTokens.rotateRefreshToken("t1", token("t2"), start), false);
      assert.equal((await store.refreshTokens.findRefreshToken("t1"))?.familyRevoked, true);
    });

    it("retries a rotated token once: its unused successor is discarded for a new one", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));
      await store.refreshTokens.rotateRefreshToken("t1", token("t2"), start + 100);

      const retried = await store.refreshTokens.retryRefreshToken(
        "t1",
        token("t3"),
        start + 200,
        start + 50,
      );
      const twice = await store.refreshTokens.retryRefreshToken(
        "t1",
        token("t4"),
        start + 300,
        start + 50,
      );

      assert.equal(retried, true);
      assert.equal(twice, false);
      assert.equal((await store.refreshTokens.findRefreshToken("t1"))?.state, "retried");
      assert.equal((await store.refreshTokens.findRefreshToken("t1"))?.successorHash, "t3");
      assert.equal((await store.refreshTokens.findRefreshToken("t2"))?.state, "discarded");
      assert.equal((await store.refreshTokens.findRefreshToken("t3"))?.state, "active");
      assert.equal(await store.refreshTokens.findRefreshToken("t4"), undefined);
    });

    it("refuses a retry when the token was spent before the window", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));
      await store.refreshTokens.rotateRefreshToken("t1", token("t2"), start + 100);

      assert.equal(
        await store.refreshTokens.retryRefreshToken("t1", token("t3"), start + 200, start + 101),
        false,
      );
      assert.equal((await store.refreshTokens.findRefreshToken("t2"))?.state, "active");
    });

    it("refuses a retry once the successor was itself used", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));
      await store.refreshTokens.rotateRefreshToken("t1", token("t2"), start);
      await store.refreshTokens.rotateRefreshToken("t2", token("t3"), start);

      assert.equal(
        await store.refreshTokens.retryRefreshToken("t1", token("t4"), start, start),
        false,
      );
      assert.equal((await store.refreshTokens.findRefreshToken("t3"))?.state, "active");
    });

    it("refuses a retry of a token that was never rotated", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));

      assert.equal(
        await store.refreshTokens.retryRefreshToken("t1", token("t2"), start, start),
        false,
      );
    });

    it("refuses a retry in a revoked family", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));
      await store.refreshTokens.rotateRefreshToken("t1", token("t2"), start);
      await store.refreshTokens.revokeRefreshFamily("f1", start);

      assert.equal(
        await store.refreshTokens.retryRefreshToken("t1", token("t3"), start, start),
        false,
      );
    });

    it("revokes every unrevoked family of one user and counts them", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));
      await store.refreshTokens.createRefreshFamily(family("f2", "alice", token("t2")));
      await store.refreshTokens.createRefreshFamily(family("f3", "bob", token("t3")));
      await store.refreshTokens.revokeRefreshFamily("f2", start);

      const revoked = await store.refreshTokens.revokeRefreshFamiliesOf("alice", start);

      assert.equal(revoked, 1);
      assert.equal((await store.refreshTokens.findRefreshToken("t1"))?.familyRevoked, true);
      assert.equal((await store.refreshTokens.findRefreshToken("t3"))?.familyRevoked, false);
    });

    it("reports the latest exchange of any family of one user, revoked or not", async () => {
      assert.equal(await store.refreshTokens.lastRefreshIssuedAt("alice"), null);
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));
      await store.refreshTokens.rotateRefreshToken("t1", token("t2", start + 500), start + 500);
      await store.refreshTokens.createRefreshFamily(
        family("f2", "alice", token("t3", start + 100)),
      );
      await store.refreshTokens.createRefreshFamily(family("f3", "bob", token("t4", start + 900)));
      await store.refreshTokens.revokeRefreshFamiliesOf("alice", start + 600);

      assert.equal(await store.refreshTokens.lastRefreshIssuedAt("alice"), start + 500);
      assert.equal(await store.refreshTokens.lastRefreshIssuedAt("bob"), start + 900);
    });

    it("purges the families past their absolute lifetime with all their tokens", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));
      await store.refreshTokens.rotateRefreshToken("t1", token("t2"), start);
      await store.refreshTokens.createRefreshFamily({
        ...family("f2", "bob", token("t3")),
        expiresAt: start + 31 * day,
      });

      const purged = await store.refreshTokens.purgeRefreshFamilies(start + 30 * day);

      assert.equal(purged, 1);
      assert.equal(await store.refreshTokens.findRefreshToken("t1"), undefined);
      assert.equal(await store.refreshTokens.findRefreshToken("t2"), undefined);
      assert.equal((await store.refreshTokens.findRefreshToken("t3"))?.state, "active");
    });

    it("deletes a user's families with the user", async () => {
      await store.refreshTokens.createRefreshFamily(family("f1", "alice", token("t1")));

      await store.users.deleteUser("alice");

      assert.equal(await store.refreshTokens.findRefreshToken("t1"), undefined);
    });
  });
}
