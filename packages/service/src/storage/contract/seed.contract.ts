// The behaviour of seedIfEmpty every Store adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";
import type { Seed } from "gatehouse-auth-core/users/seed";

const start = Date.UTC(2025, 0, 1);

// Stores never inspect a hash, so any non-empty string stands in for a hasher's output here.
const hash = "$argon2id$v=19$m=19456,t=2,p=1$seed" as PasswordHash;

const demoSeed: Seed = {
  users: [
    {
      username: "johndoe",
      email: "johndoe@example.com",
      scopes: ["me", "items"],
      passwordHash: hash,
    },
    { username: "alice", disabled: true, passwordHash: hash },
  ],
  items: [
    { owner: "johndoe", itemId: "Foo" },
    { owner: "johndoe", itemId: "Bar" },
  ],
};

/**
 * Registers the seeding contract as a `describe` block named `name`. `makeStore` must return a
 * new, empty store that takes its time from `clock`; each test gets its own and closes it.
 */
export function describeSeedStoreContract(
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

    it("stores every user and item of the seed into an empty store and reports that it did", async () => {
      const seeded = await store.seed.seedIfEmpty(demoSeed);

      assert.equal(seeded, true);
      assert.deepEqual(
        (await store.users.listUsers()).map((user) => [user.username, user.disabled, user.scopes]),
        [
          ["alice", true, []],
          ["johndoe", false, ["me", "items"]],
        ],
      );
      assert.deepEqual(await store.items.listItems("johndoe"), [
        { itemId: "Bar", owner: "johndoe" },
        { itemId: "Foo", owner: "johndoe" },
      ]);
      assert.equal((await store.users.findByUsername("johndoe"))?.createdAt, start);
    });

    it("leaves a store that holds a user alone and reports that it did not seed", async () => {
      await store.users.createUser({ username: "carol", passwordHash: hash });

      const seeded = await store.seed.seedIfEmpty(demoSeed);

      assert.equal(seeded, false);
      assert.deepEqual(
        (await store.users.listUsers()).map((user) => user.username),
        ["carol"],
      );
    });

    it("seeds once when called twice", async () => {
      const first = await store.seed.seedIfEmpty(demoSeed);
      const second = await store.seed.seedIfEmpty(demoSeed);

      assert.deepEqual([first, second], [true, false]);
      assert.equal(await store.users.countUsers(), 2);
    });

    it("stores nothing when the seed names a user twice", async () => {
      const twice: Seed = {
        users: [...demoSeed.users, { username: "alice", passwordHash: hash }],
        items: [],
      };

      await assert.rejects(store.seed.seedIfEmpty(twice), {
        name: "AuthError",
        code: "username_taken",
      });

      assert.equal(await store.users.countUsers(), 0);
    });

    it("stores nothing when an item's owner is not in the seed", async () => {
      const orphan: Seed = {
        ...demoSeed,
        items: [...demoSeed.items, { owner: "nobody", itemId: "X" }],
      };

      await assert.rejects(store.seed.seedIfEmpty(orphan), {
        name: "AuthError",
        code: "user_not_found",
      });

      assert.equal(await store.users.countUsers(), 0);
      assert.deepEqual(await store.items.listItems("johndoe"), []);
    });
  });
}
