// The behaviour every UserDirectory adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";

const hash = "$argon2id$v=19$m=8,t=1,p=1$stand-in" as PasswordHash;

/** Registers the UserDirectory contract; `makeStore` returns a new, empty store on `clock`. */
export function describeUserDirectoryContract(
  name: string,
  makeStore: (clock: Clock) => Promise<Store>,
): void {
  describe(name, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore(createFixedClock(Date.UTC(2026, 0, 1)));
      for (const [username, disabled] of [
        ["ann", false],
        ["anna", true],
        ["bob", false],
        ["a%b", false],
        ["annex", false],
      ] as const) {
        await store.users.createUser({ username, disabled, passwordHash: hash });
      }
    });
    afterEach(async () => {
      await store.close();
    });

    const names = async (
      query: Parameters<Store["directory"]["queryUsers"]>[0],
    ): Promise<string[]> => (await store.directory.queryUsers(query)).map((user) => user.username);

    it("lists users ordered by username, a page at a time after a given name", async () => {
      assert.deepEqual(await names({ limit: 2 }), ["a%b", "ann"]);
      assert.deepEqual(await names({ limit: 2, after: "ann" }), ["anna", "annex"]);
      assert.deepEqual(await names({ limit: 2, after: "annex" }), ["bob"]);
    });

    it("filters by exact prefix, treating % and _ as plain characters", async () => {
      assert.deepEqual(await names({ limit: 10, prefix: "ann" }), ["ann", "anna", "annex"]);
      assert.deepEqual(await names({ limit: 10, prefix: "a%" }), ["a%b"]);
      assert.deepEqual(await names({ limit: 10, prefix: "a_" }), []);
    });

    it("filters by disabled", async () => {
      assert.deepEqual(await names({ limit: 10, disabled: true }), ["anna"]);
      assert.deepEqual(await names({ limit: 10, disabled: false, prefix: "ann" }), [
        "ann",
        "annex",
      ]);
    });

    it("never returns more than the page size and refuses sizes outside 1 to 200", async () => {
      assert.equal((await store.directory.queryUsers({ limit: 1 })).length, 1);
      await assert.rejects(store.directory.queryUsers({ limit: 0 }), RangeError);
      await assert.rejects(store.directory.queryUsers({ limit: 201 }), RangeError);
    });
  });
}
