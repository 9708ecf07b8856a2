// The behaviour every store's change feed promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { defaultChangeRetentionMs } from "gatehouse-auth-core/changes/change-feed";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import { isAuthError } from "gatehouse-auth-core/errors";
import type { SigningKeyRecord } from "gatehouse-auth-core/keys/signing-keys";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";

const start = Date.UTC(2025, 0, 1);
// The store never inspects a hash, so any non-empty string stands in for a hasher's output.
const hash = "$argon2id$v=19$m=19456,t=2,p=1$test" as PasswordHash;

function signingKey(kid: string): SigningKeyRecord {
  return {
    kid,
    algorithm: "HS256",
    secret: `secret-of-${kid}`,
    publicJwk: null,
    createdAt: start,
    activatedAt: start,
    retiresAt: null,
  };
}

/** Every event after `after`, read in pages of two so paging is exercised too. */
async function readAll(store: Store, after = 0): Promise<Record<string, unknown>[]> {
  const events: Record<string, unknown>[] = [];
  let last = after;
  for (;;) {
    const page = await store.changes.readAfter(last, 2);
    if (page.length === 0) return events;
    for (const event of page) {
      events.push({ ...event });
      last = event.sequence;
    }
  }
}

/**
 * Registers the ChangeFeed contract as a `describe` block named `name`. `makeStore` must return
 * a new, empty store; each test gets its own and closes it.
 */
export function describeChangeFeedContract(
  name: string,
  makeStore: (clock: Clock) => Promise<Store>,
): void {
  describe(name, () => {
    let store: Store;
    let clock: ReturnType<typeof createFixedClock>;

    beforeEach(async () => {
      clock = createFixedClock(start);
      store = await makeStore(clock);
    });

    afterEach(async () => {
      await store.close();
    });

    it("starts empty: no event, latest sequence 0, oldest kept 1", async () => {
      assert.deepEqual(await store.changes.readAfter(0, 10), []);
      assert.equal(await store.changes.latestSequence(), 0);
      assert.equal(await store.changes.oldestSequence(), 1);
    });

    it("tells its watchers soon after an append commits, and no longer once they stop", async () => {
      const watch = store.changes.watch;
      assert.ok(watch !== undefined, "every store's feed can tell when it grows");
      let calls = 0;
      let told: () => void = () => {};
      const stop = watch((): void => {
        calls += 1;
        told();
      });
      const toldOnce = new Promise<void>((resolve) => {
        told = resolve;
      });
      await store.users.createUser({ username: "watched", passwordHash: hash });
      const timeout = new Promise<"late">((resolve) => setTimeout(resolve, 2000, "late").unref());
      assert.notEqual(await Promise.race([toldOnce, timeout]), "late");
      assert.ok((await store.changes.latestSequence()) >= 1);

      stop();
      const before = calls;
      await store.users.updateUser("watched", { disabled: true });
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(calls, before);
    });

    it("appends one event per user change, numbered 1, 2, 3… in order", async () => {
      await store.users.createUser({ username: "alice", passwordHash: hash });
      clock.advance(10);
      await store.users.updateUser("alice", { disabled: true, tokensValidAfter: start + 10 });
      clock.advance(10);
      await store.users.updateUser("alice", { scopes: ["me"] });
      await store.users.deleteUser("alice");

      assert.deepEqual(await readAll(store), [
        {
          sequence: 1,
          at: start,
          kind: "user_changed",
          username: "alice",
          disabled: false,
          tokensValidAfter: null,
        },
        {
          sequence: 2,
          at: start + 10,
          kind: "user_changed",
          username: "alice",
          disabled: true,
          tokensValidAfter: start + 10,
        },
        {
          sequence: 3,
          at: start + 20,
          kind: "user_changed",
          username: "alice",
          disabled: true,
          tokensValidAfter: start + 10,
        },
        { sequence: 4, at: start + 20, kind: "user_deleted", username: "alice" },
      ]);
      assert.equal(await store.changes.latestSequence(), 4);
    });

    it("appends a revocation with the token id and the time it is refused until", async () => {
      await store.denylist.denyAccessToken("jti-1", start + 5000, start);

      assert.deepEqual(await readAll(store), [
        {
          sequence: 1,
          at: start,
          kind: "access_token_revoked",
          tokenId: "jti-1",
          expiresAt: start + 5000,
        },
      ]);
    });

    it("appends an event when a client is created, changed and deleted", async () => {
      await store.clients.createClient({
        clientId: "svc",
        name: "Service",
        type: "public",
        secretHash: null,
        grantTypes: ["password"],
        scopes: [],
        redirectUris: [],
        audiences: [],
        firstParty: true,
      });
      await store.clients.updateClient("svc", { disabled: true });
      await store.clients.deleteClient("svc");

      const events = await readAll(store);
      assert.deepEqual(
        events.map((event) => [event["sequence"], event["kind"], event["clientId"]]),
        [
          [1, "client_changed", "svc"],
          [2, "client_changed", "svc"],
          [3, "client_changed", "svc"],
        ],
      );
    });

    it("appends an event for a key stored and for each key a rotation supersedes", async () => {
      await store.signingKeys.ensureSigningKey(signingKey("k1"));
      await store.signingKeys.ensureSigningKey(signingKey("k-unused"));
      await store.signingKeys.rotateSigningKey(signingKey("k2"), start + 1000);

      const events = await readAll(store);
      assert.deepEqual(
        events.map((event) => [event["sequence"], event["kind"], event["keyId"]]),
        [
          [1, "signing_key_changed", "k1"],
          [2, "signing_key_changed", "k1"],
          [3, "signing_key_changed", "k2"],
        ],
      );
    });

    it("appends an event for each seeded user", async () => {
      await store.seed.seedIfEmpty({
        users: [
          { username: "johndoe", passwordHash: hash },
          { username: "alice", passwordHash: hash, disabled: true },
        ],
        items: [],
      });

      const events = await readAll(store);
      assert.deepEqual(
        events.map((event) => [event["sequence"], event["username"], event["disabled"]]),
        [
          [1, "johndoe", false],
          [2, "alice", true],
        ],
      );
    });

    it("appends nothing for a change that did not happen", async () => {
      await store.users.createUser({ username: "alice", passwordHash: hash });

      await assert.rejects(
        store.users.createUser({ username: "Alice", passwordHash: hash }),
        (error) => isAuthError(error) && error.code === "username_taken",
      );
      await assert.rejects(
        store.users.updateUser("bob", { disabled: true }),
        (error) => isAuthError(error) && error.code === "user_not_found",
      );
      assert.equal(await store.users.deleteUser("bob"), false);
      assert.equal(await store.clients.updateClient("nope", { disabled: true }), undefined);
      assert.equal(await store.clients.deleteClient("nope"), false);
      await store.denylist.denyAccessToken("expired", start, start);

      assert.equal(await store.changes.latestSequence(), 1);
      assert.equal((await readAll(store)).length, 1);
    });

    it("appends nothing for a seed that fails and is rolled back", async () => {
      await assert.rejects(
        store.seed.seedIfEmpty({
          users: [
            { username: "johndoe", passwordHash: hash },
            { username: "JohnDoe", passwordHash: hash },
          ],
          items: [],
        }),
      );

      assert.equal(await store.changes.latestSequence(), 0);
      assert.deepEqual(await store.changes.readAfter(0, 10), []);
      assert.equal(await store.users.countUsers(), 0);
    });

    it("reads only events after the given sequence, at most `limit` of them", async () => {
      for (const jti of ["a", "b", "c", "d"]) {
        await store.denylist.denyAccessToken(jti, start + 5000, start);
      }

      const page = await store.changes.readAfter(1, 2);

      assert.deepEqual(
        page.map((event) => event.sequence),
        [2, 3],
      );
    });

    it("prunes events past the retention, keeps the newest and says which is oldest kept", async () => {
      await store.denylist.denyAccessToken("old-1", start + 5000, start);
      await store.denylist.denyAccessToken("old-2", start + 5000, start);
      clock.advance(defaultChangeRetentionMs + 1);

      await store.denylist.denyAccessToken("new", clock.now() + 5000, clock.now());

      assert.deepEqual(
        (await store.changes.readAfter(0, 10)).map((event) => event.sequence),
        [3],
      );
      assert.equal(await store.changes.oldestSequence(), 3);
      assert.equal(await store.changes.latestSequence(), 3);
    });
  });
}
