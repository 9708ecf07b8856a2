// User writes that must hold a condition atomically: the last active holder of a scope (issue 16),
// and the compare-and-set upgrade of a password hash after a login.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";
import type { UserWriteGuard } from "gatehouse-auth-core/users/user";

const start = Date.UTC(2025, 0, 1);
const guard: UserWriteGuard = { keepActiveHolderOf: "users:write" };
const lastAdmin = { name: "AuthError", code: "last_user_admin" } as const;
// Enough trials to catch a race that one pair in twenty would win.
const trials = 60;

// Stores never inspect a hash, so any non-empty string stands in for a hasher's output here.
function hashOf(label: string): PasswordHash {
  return `$argon2id$v=19$m=19456,t=2,p=1$${label}` as PasswordHash;
}

/**
 * Registers the guarded-write contract of `UserStore` as a `describe` block named `name`.
 * `makeStore` must return a new, empty store on `clock`; each test closes the store it got.
 */
export function describeGuardedUserWritesContract(
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

    const admin = (username: string, extra: { disabled?: boolean } = {}) =>
      store.users.createUser({
        username,
        passwordHash: hashOf(username),
        scopes: ["users:write", "me"],
        ...extra,
      });

    const holders = async (): Promise<string[]> =>
      (await store.users.listUsers())
        .filter((user) => !user.disabled && user.scopes.includes("users:write"))
        .map((user) => user.username);

    describe("a write guarded to keep an active holder of a scope", () => {
      it("refuses to take the scope from, disable or delete its last active holder", async () => {
        await admin("root");

        await assert.rejects(store.users.updateUser("root", { scopes: ["me"] }, guard), lastAdmin);
        await assert.rejects(store.users.updateUser("root", { disabled: true }, guard), lastAdmin);
        await assert.rejects(store.users.deleteUser("root", guard), lastAdmin);

        const root = await store.users.findByUsername("root");
        assert.equal(root?.disabled, false);
        assert.deepEqual(root?.scopes, ["users:write", "me"]);
      });

      it("writes nothing of a refused patch, not even its other fields or cut-off", async () => {
        await admin("root");

        await assert.rejects(
          store.users.updateUser(
            "root",
            { scopes: [], fullName: "Root", tokensValidAfter: start + 5 },
            guard,
          ),
          lastAdmin,
        );

        const root = await store.users.findByUsername("root");
        assert.equal(root?.fullName, null);
        assert.equal(root?.tokensValidAfter, null);
      });

      it("counts a disabled holder as none", async () => {
        await admin("root");
        await admin("standby", { disabled: true });

        await assert.rejects(store.users.deleteUser("root", guard), lastAdmin);
      });

      it("lets a holder step down while another active one remains", async () => {
        await admin("root");
        await admin("ann");

        await store.users.updateUser("root", { scopes: ["me"] }, guard);

        assert.deepEqual(await holders(), ["ann"]);
      });

      it("lets the last holder change what keeps it a holder", async () => {
        await admin("root");

        const updated = await store.users.updateUser(
          "root",
          { scopes: ["users:write"], fullName: "Root", disabled: false },
          guard,
        );

        assert.equal(updated.fullName, "Root");
        assert.deepEqual(await holders(), ["root"]);
      });

      it("lets any write through for a user who is no holder", async () => {
        await admin("root");
        await store.users.createUser({ username: "ann", passwordHash: hashOf("ann") });

        await store.users.updateUser("ann", { disabled: true }, guard);

        assert.equal(await store.users.deleteUser("ann", guard), true);
      });

      it("reports an unknown user as without a guard", async () => {
        await assert.rejects(store.users.updateUser("nobody", { disabled: true }, guard), {
          code: "user_not_found",
        });
        assert.equal(await store.users.deleteUser("nobody", guard), false);
      });

      it("does not check anything without a guard", async () => {
        await admin("root");

        await store.users.updateUser("root", { disabled: true });

        assert.deepEqual(await holders(), []);
      });

      it(`never lets two holders removing each other both succeed (${trials} trials)`, async () => {
        for (let trial = 0; trial < trials; trial++) {
          const [ann, bob] = [`ann${trial}`, `bob${trial}`];
          await admin(ann);
          await admin(bob);
          // Trials alternate the kinds of removal racing: scope taken against deletion, disabling
          // against deletion.
          const [first, second] =
            trial % 2 === 0
              ? [
                  () => store.users.updateUser(ann, { scopes: ["me"] }, guard),
                  () => store.users.deleteUser(bob, guard),
                ]
              : [
                  () => store.users.updateUser(bob, { disabled: true }, guard),
                  () => store.users.deleteUser(ann, guard),
                ];

          const outcomes = await Promise.allSettled([first(), second()]);

          const refused = outcomes.filter((outcome) => outcome.status === "rejected");
          assert.equal(refused.length, 1, `trial ${trial}: exactly one removal is refused`);
          assert.equal(
            (await holders()).filter((username) => username === ann || username === bob).length,
            1,
            `trial ${trial}: one of the two still holds users:write`,
          );
          // Frees the pair for the next trial: without a guard, the last holder may go too.
          await store.users.deleteUser(ann);
          await store.users.deleteUser(bob);
        }
      });
    });

    describe("a write guarded to grant only some scopes", () => {
      const granting: UserWriteGuard = { grantableScopes: ["me"] };

      it("refuses a scope outside the list the user does not hold, writing nothing", async () => {
        await store.users.createUser({ username: "ann", passwordHash: hashOf("ann") });

        await assert.rejects(
          store.users.updateUser(
            "ann",
            { scopes: ["me", "audit:read"], fullName: "Ann" },
            granting,
          ),
          { name: "AuthError", code: "scope_not_held" },
        );

        const ann = await store.users.findByUsername("ann");
        assert.deepEqual(ann?.scopes, []);
        assert.equal(ann?.fullName, null);
      });

      it("lets the user keep a scope outside the list that it holds at the write", async () => {
        await store.users.createUser({
          username: "ann",
          passwordHash: hashOf("ann"),
          scopes: ["audit:read"],
        });

        const ann = await store.users.updateUser("ann", { scopes: ["me", "audit:read"] }, granting);

        assert.deepEqual(ann.scopes, ["me", "audit:read"]);
      });

      it(`never keeps a scope that a concurrent write took away (${trials} trials)`, async () => {
        for (let trial = 0; trial < trials; trial++) {
          const username = `ann${trial}`;
          await store.users.createUser({
            username,
            passwordHash: hashOf(username),
            scopes: ["audit:read"],
          });

          await Promise.allSettled([
            store.users.updateUser(username, { scopes: ["me", "audit:read"] }, granting),
            store.users.updateUser(username, { scopes: ["me"] }),
          ]);

          // Kept and then taken away, or refused once taken away: never given back.
          const scopes = (await store.users.findByUsername(username))?.scopes;
          assert.deepEqual(scopes, ["me"], `trial ${trial}`);
        }
      });
    });

    describe("a client update conditional on its secret hash", () => {
      const register = () =>
        store.clients.createClient({
          clientId: "c1",
          name: "Reports",
          type: "confidential",
          secretHash: "hash-0",
          grantTypes: ["client_credentials"],
          scopes: [],
          redirectUris: [],
          audiences: [],
          firstParty: false,
        });

      it("writes while the secret hash is the one expected", async () => {
        await register();

        const updated = await store.clients.updateClient(
          "c1",
          { secretHash: "hash-1", previousSecretHash: "hash-0" },
          { secretHash: "hash-0" },
        );

        assert.equal(updated?.secretHash, "hash-1");
        assert.equal(updated?.previousSecretHash, "hash-0");
      });

      it("writes nothing, answering undefined, once the secret hash changed", async () => {
        await register();
        await store.clients.updateClient("c1", { secretHash: "hash-1" });

        const updated = await store.clients.updateClient(
          "c1",
          { secretHash: "hash-2", name: "Renamed" },
          { secretHash: "hash-0" },
        );

        const stored = await store.clients.findClient("c1");
        assert.equal(updated, undefined);
        assert.equal(stored?.secretHash, "hash-1");
        assert.equal(stored?.name, "Reports");
      });

      it(`lets one of two rotations from one secret through (${trials} trials)`, async () => {
        await register();
        for (let trial = 0; trial < trials; trial++) {
          const current = `hash-${trial}`;
          const [a, b] = [`a-${trial + 1}`, `b-${trial + 1}`];

          const outcomes = await Promise.all(
            [a, b].map((next) =>
              store.clients.updateClient("c1", { secretHash: next }, { secretHash: current }),
            ),
          );

          const winners = outcomes.filter((outcome) => outcome !== undefined);
          assert.equal(winners.length, 1, `trial ${trial}`);
          await store.clients.updateClient("c1", { secretHash: `hash-${trial + 1}` });
        }
      });
    });

    describe("the upgrade of a password hash after a login", () => {
      it("replaces the hash that was verified, and nothing else", async () => {
        await store.users.createUser({ username: "alice", passwordHash: hashOf("old") });
        await store.users.updateUser("alice", { tokensValidAfter: start + 7 });

        const upgraded = await store.users.upgradePasswordHash(
          "alice",
          hashOf("old"),
          hashOf("upgraded"),
        );

        const alice = await store.users.findByUsername("alice");
        assert.equal(upgraded, true);
        assert.equal(alice?.passwordHash, hashOf("upgraded"));
        assert.equal(alice?.tokensValidAfter, start + 7);
      });

      it("leaves a hash that changed since it was verified", async () => {
        await store.users.createUser({ username: "alice", passwordHash: hashOf("old") });
        await store.users.updateUser("alice", { passwordHash: hashOf("changed") });

        const upgraded = await store.users.upgradePasswordHash(
          "alice",
          hashOf("old"),
          hashOf("upgraded"),
        );

        assert.equal(upgraded, false);
        assert.equal((await store.users.findByUsername("alice"))?.passwordHash, hashOf("changed"));
      });

      it("reports an unknown user as nothing upgraded", async () => {
        assert.equal(
          await store.users.upgradePasswordHash("nobody", hashOf("old"), hashOf("new")),
          false,
        );
      });

      it(`never undoes a password change it races (${trials} trials)`, async () => {
        for (let trial = 0; trial < trials; trial++) {
          const username = `user${trial}`;
          await store.users.createUser({ username, passwordHash: hashOf("old") });

          await Promise.all([
            store.users.upgradePasswordHash(username, hashOf("old"), hashOf("upgraded")),
            store.users.updateUser(username, { passwordHash: hashOf("changed") }),
          ]);

          assert.equal(
            (await store.users.findByUsername(username))?.passwordHash,
            hashOf("changed"),
            `trial ${trial}`,
          );
        }
      });
    });
  });
}
