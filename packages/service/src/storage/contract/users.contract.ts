// The behaviour every Store adapter promises; each adapter's test runs this suite.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { SigningKeyRecord } from "gatehouse-auth-core/keys/signing-keys";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";
import type { NewUser } from "gatehouse-auth-core/users/user";

const start = Date.UTC(2025, 0, 1);

// Stores never inspect a hash, so any non-empty string stands in for a hasher's output here.
function hashOf(label: string): PasswordHash {
  return `$argon2id$v=19$m=19456,t=2,p=1$${label}` as PasswordHash;
}

function newUser(username: string, extra: Partial<NewUser> = {}): NewUser {
  return { username, passwordHash: hashOf(username), ...extra };
}

function signingKey(kid: string, createdAt: number): SigningKeyRecord {
  const secret = `secret-of-${kid}`;
  return {
    kid,
    algorithm: "HS256",
    secret,
    publicJwk: null,
    createdAt,
    activatedAt: createdAt,
    retiresAt: null,
  };
}

/**
 * Registers the Store contract as a `describe` block named `name`. `makeStore` must return a
 * new, empty store that takes its time from `clock`; each test gets its own and closes it.
 */
export function describeStoreContract(
  name: string,
  makeStore: (clock: Clock) => Promise<Store>,
): void {
  describe(name, () => {
    let clock = createFixedClock(start);
    let store: Store;

    beforeEach(async () => {
      clock = createFixedClock(start);
      store = await makeStore(clock);
    });

    afterEach(async () => {
      await store.close();
    });

    describe("users", () => {
      it("finds a created user with every field as given", async () => {
        await store.users.createUser(
          newUser("johndoe", {
            email: "johndoe@example.com",
            fullName: "John Doe",
            disabled: true,
            scopes: ["me", "items"],
          }),
        );

        const found = await store.users.findByUsername("johndoe");

        assert.deepEqual(found, {
          username: "johndoe",
          email: "johndoe@example.com",
          fullName: "John Doe",
          disabled: true,
          scopes: ["me", "items"],
          passwordHash: hashOf("johndoe"),
          createdAt: start,
          updatedAt: start,
          tokensValidAfter: null,
        });
      });

      it("returns from createUser the record it stored", async () => {
        const created = await store.users.createUser(newUser("alice", { scopes: ["me"] }));

        assert.deepEqual(await store.users.findByUsername("alice"), created);
      });

      it("returns undefined for an unknown username", async () => {
        assert.equal(await store.users.findByUsername("nobody"), undefined);
      });

      it("gives a new user no email, no full name, no scopes, and leaves them enabled", async () => {
        const created = await store.users.createUser(newUser("alice"));

        assert.equal(created.email, null);
        assert.equal(created.fullName, null);
        assert.equal(created.disabled, false);
        assert.deepEqual(created.scopes, []);
      });

      it("round-trips an explicitly null email and full name", async () => {
        await store.users.createUser(newUser("alice", { email: null, fullName: null }));

        const found = await store.users.findByUsername("alice");

        assert.equal(found?.email, null);
        assert.equal(found?.fullName, null);
      });

      it("round-trips scopes as an array in the order given", async () => {
        await store.users.createUser(newUser("alice", { scopes: ["items", "me", "admin:write"] }));

        const found = await store.users.findByUsername("alice");

        assert.deepEqual(found?.scopes, ["items", "me", "admin:write"]);
      });

      it("refuses a second user with the same username with username_taken", async () => {
        await store.users.createUser(newUser("alice"));

        await assert.rejects(
          store.users.createUser(newUser("alice", { email: "other@example.com" })),
          {
            name: "AuthError",
            code: "username_taken",
          },
        );
      });

      it("refuses a username differing from an existing one only by case with username_taken", async () => {
        await store.users.createUser(newUser("johndoe"));

        for (const variant of ["JOHNDOE", "JohnDoe", "johnDOE"]) {
          await assert.rejects(store.users.createUser(newUser(variant)), {
            name: "AuthError",
            code: "username_taken",
          });
        }
        assert.deepEqual(
          (await store.users.listUsers()).map((user) => user.username),
          ["johndoe"],
        );
      });

      it("frees a username's canonical form when its user is deleted", async () => {
        await store.users.createUser(newUser("JohnDoe"));
        await store.users.deleteUser("JohnDoe");

        const created = await store.users.createUser(newUser("johndoe"));

        assert.equal(created.username, "johndoe");
      });

      it("finds a login by any case variant of the username, keeping the stored name", async () => {
        await store.users.createUser(newUser("JohnDoe", { email: "john@example.com" }));

        for (const name of ["JohnDoe", "johndoe", "JOHNDOE"]) {
          const found = await store.users.findByLogin(name);
          assert.equal(found?.username, "JohnDoe");
          assert.equal(found?.email, "john@example.com");
        }
        assert.equal(await store.users.findByLogin("johndo"), undefined);
      });

      it("finds a user by exact username only", async () => {
        await store.users.createUser(newUser("JohnDoe"));

        assert.equal((await store.users.findByUsername("JohnDoe"))?.username, "JohnDoe");
        assert.equal(await store.users.findByUsername("johndoe"), undefined);
      });

      it("reports no case collisions in a store it made itself", async () => {
        await store.users.createUser(newUser("alice"));
        await assert.rejects(store.users.createUser(newUser("ALICE")));

        assert.deepEqual(await store.users.findCaseCollisions(), []);
      });

      it("keeps the first user when a duplicate is refused", async () => {
        await store.users.createUser(newUser("alice", { email: "alice@example.com" }));

        await assert.rejects(
          store.users.createUser(newUser("alice", { email: "other@example.com" })),
        );

        assert.equal((await store.users.findByUsername("alice"))?.email, "alice@example.com");
      });

      it("updates only the fields a patch names", async () => {
        await store.users.createUser(
          newUser("alice", { email: "alice@example.com", fullName: "Alice", scopes: ["me"] }),
        );

        const updated = await store.users.updateUser("alice", {
          disabled: true,
          scopes: ["items"],
        });

        assert.equal(updated.email, "alice@example.com");
        assert.equal(updated.fullName, "Alice");
        assert.equal(updated.disabled, true);
        assert.deepEqual(updated.scopes, ["items"]);
        assert.equal(updated.passwordHash, hashOf("alice"));
        assert.deepEqual(await store.users.findByUsername("alice"), updated);
      });

      it("replaces the password hash when a patch carries one", async () => {
        await store.users.createUser(newUser("alice"));

        await store.users.updateUser("alice", { passwordHash: hashOf("rehashed") });

        assert.equal((await store.users.findByUsername("alice"))?.passwordHash, hashOf("rehashed"));
      });

      it("sets email and full name back to null", async () => {
        await store.users.createUser(
          newUser("alice", { email: "alice@example.com", fullName: "Alice" }),
        );

        const updated = await store.users.updateUser("alice", { email: null, fullName: null });

        assert.equal(updated.email, null);
        assert.equal(updated.fullName, null);
      });

      it("clears scopes with an empty list", async () => {
        await store.users.createUser(newUser("alice", { scopes: ["me"] }));

        await store.users.updateUser("alice", { scopes: [] });

        assert.deepEqual((await store.users.findByUsername("alice"))?.scopes, []);
      });

      it("refuses to update an unknown user with user_not_found", async () => {
        await assert.rejects(store.users.updateUser("nobody", { disabled: true }), {
          name: "AuthError",
          code: "user_not_found",
        });
      });

      it("sets the token cut-off, keeps it through other patches, and clears it", async () => {
        await store.users.createUser(newUser("alice"));

        const set = await store.users.updateUser("alice", { tokensValidAfter: start + 1234 });
        const kept = await store.users.updateUser("alice", { email: "alice@example.com" });
        const cleared = await store.users.updateUser("alice", { tokensValidAfter: null });

        assert.equal(set.tokensValidAfter, start + 1234);
        assert.equal(kept.tokensValidAfter, start + 1234);
        assert.equal(cleared.tokensValidAfter, null);
      });

      it("never moves the token cut-off back, so racing cut-offs cannot undo each other", async () => {
        await store.users.createUser(newUser("alice"));

        await store.users.updateUser("alice", { tokensValidAfter: start + 2000 });
        const earlier = await store.users.updateUser("alice", { tokensValidAfter: start + 1000 });
        const later = await store.users.updateUser("alice", { tokensValidAfter: start + 3000 });

        assert.equal(earlier.tokensValidAfter, start + 2000);
        assert.equal(later.tokensValidAfter, start + 3000);
      });

      it("stamps createdAt and updatedAt from the injected clock", async () => {
        await store.users.createUser(newUser("alice"));
        clock.advance(60_000);

        const updated = await store.users.updateUser("alice", { disabled: true });

        assert.equal(updated.createdAt, start);
        assert.equal(updated.updatedAt, start + 60_000);
      });

      it("deletes a user and reports that it did", async () => {
        await store.users.createUser(newUser("alice"));

        const deleted = await store.users.deleteUser("alice");

        assert.equal(deleted, true);
        assert.equal(await store.users.findByUsername("alice"), undefined);
      });

      it("reports deleting an unknown user as nothing deleted", async () => {
        assert.equal(await store.users.deleteUser("nobody"), false);
      });

      it("lists users ordered by username", async () => {
        for (const username of ["carol", "alice", "bob"])
          await store.users.createUser(newUser(username));

        const users = await store.users.listUsers();

        assert.deepEqual(
          users.map((user) => user.username),
          ["alice", "bob", "carol"],
        );
      });

      it("counts no users in a new store", async () => {
        assert.equal(await store.users.countUsers(), 0);
      });

      it("counts every user created and not deleted", async () => {
        for (const username of ["alice", "bob", "carol"])
          await store.users.createUser(newUser(username));
        await store.users.deleteUser("bob");

        assert.equal(await store.users.countUsers(), 2);
      });
    });

    describe("copies", () => {
      it("does not change the store when a found record is mutated", async () => {
        await store.users.createUser(
          newUser("alice", { email: "alice@example.com", scopes: ["me"] }),
        );
        const found = await store.users.findByUsername("alice");
        assert.ok(found);

        Reflect.set(found, "email", "mallory@example.com");
        Reflect.set(found.scopes, found.scopes.length, "admin");

        const again = await store.users.findByUsername("alice");
        assert.equal(again?.email, "alice@example.com");
        assert.deepEqual(again?.scopes, ["me"]);
      });

      it("does not change the store when the created or listed record is mutated", async () => {
        const created = await store.users.createUser(newUser("alice", { scopes: ["me"] }));
        const [listed] = await store.users.listUsers();
        assert.ok(listed);

        Reflect.set(created.scopes, created.scopes.length, "admin");
        Reflect.set(listed, "disabled", true);

        const again = await store.users.findByUsername("alice");
        assert.deepEqual(again?.scopes, ["me"]);
        assert.equal(again?.disabled, false);
      });

      it("does not change the store when the caller's scope array is mutated later", async () => {
        const scopes = ["me"];
        await store.users.createUser(newUser("alice", { scopes }));

        scopes.push("admin");

        assert.deepEqual((await store.users.findByUsername("alice"))?.scopes, ["me"]);
      });
    });

    describe("items", () => {
      it("lists a user's items ordered by id", async () => {
        await store.users.createUser(newUser("alice"));
        for (const itemId of ["portal-gun", "foo", "bar"])
          await store.items.addItem("alice", itemId);

        const items = await store.items.listItems("alice");

        assert.deepEqual(items, [
          { itemId: "bar", owner: "alice" },
          { itemId: "foo", owner: "alice" },
          { itemId: "portal-gun", owner: "alice" },
        ]);
      });

      it("lists only the owner's items", async () => {
        await store.users.createUser(newUser("alice"));
        await store.users.createUser(newUser("bob"));
        await store.items.addItem("alice", "foo");

        assert.deepEqual(await store.items.listItems("bob"), []);
      });

      it("adds the same item twice as one item", async () => {
        await store.users.createUser(newUser("alice"));

        const first = await store.items.addItem("alice", "foo");
        const second = await store.items.addItem("alice", "foo");

        assert.deepEqual(first, { itemId: "foo", owner: "alice" });
        assert.deepEqual(second, first);
        assert.deepEqual(await store.items.listItems("alice"), [first]);
      });

      it("refuses an item for an unknown owner with user_not_found", async () => {
        await assert.rejects(store.items.addItem("nobody", "foo"), {
          name: "AuthError",
          code: "user_not_found",
        });
      });

      it("deletes a user's items with the user", async () => {
        await store.users.createUser(newUser("alice"));
        await store.items.addItem("alice", "foo");

        await store.users.deleteUser("alice");
        await store.users.createUser(newUser("alice"));

        assert.deepEqual(await store.items.listItems("alice"), []);
      });
    });

    describe("signing keys", () => {
      it("stores the first candidate and returns it field for field", async () => {
        const candidate = signingKey("k1", start);

        assert.deepEqual(await store.signingKeys.ensureSigningKey(candidate), candidate);
      });

      it("keeps the first key when called twice with different candidates", async () => {
        const first = signingKey("k1", start);
        await store.signingKeys.ensureSigningKey(first);

        const kept = await store.signingKeys.ensureSigningKey(signingKey("k2", start - 1));

        assert.deepEqual(kept, first);
      });
    });
  });
}
