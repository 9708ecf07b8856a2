import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { hashSync as argon2Hash } from "@node-rs/argon2";
import { hashSync as bcryptHash } from "@node-rs/bcrypt";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createCountingHasher, createFastHasher } from "../../../../test/fixtures/fast-hasher.ts";
import { AuthError } from "../errors.ts";
import type { PasswordHash, PasswordHasher } from "../passwords/hasher.ts";
import { authenticate } from "./authenticate.ts";
import type { NewUser } from "./user.ts";

const invalidCredentials = { name: "AuthError", code: "invalid_credentials" } as const;
const inactiveUser = { name: "AuthError", code: "inactive_user" } as const;

describe("authenticate", () => {
  const hasher = createFastHasher();
  let secretHash: PasswordHash;
  before(async () => {
    secretHash = await hasher.hash("secret");
  });
  after(() => hasher.close());

  async function storeWith(...users: ReadonlyArray<Partial<NewUser> & { username: string }>) {
    const store = createMemoryStore();
    for (const user of users) await store.users.createUser({ passwordHash: secretHash, ...user });
    return store.users;
  }

  describe("outcomes", () => {
    it("returns the user for the right password", async () => {
      const users = await storeWith({ username: "johndoe", scopes: ["me"] });

      const user = await authenticate({ users, hasher }, "johndoe", "secret");

      assert.equal(user.username, "johndoe");
      assert.deepEqual(user.scopes, ["me"]);
    });

    it("refuses a wrong password as invalid_credentials", async () => {
      const users = await storeWith({ username: "johndoe" });

      await assert.rejects(
        authenticate({ users, hasher }, "johndoe", "Secret"),
        invalidCredentials,
      );
    });

    it("refuses an unknown user as invalid_credentials", async () => {
      const users = await storeWith({ username: "johndoe" });

      await assert.rejects(
        authenticate({ users, hasher }, "janedoe", "secret"),
        invalidCredentials,
      );
    });

    it("gives an unknown user and a wrong password the same code and message", async () => {
      const users = await storeWith({ username: "johndoe" });

      const unknown = await authenticate({ users, hasher }, "janedoe", "secret").catch((e) => e);
      const wrong = await authenticate({ users, hasher }, "johndoe", "wrong").catch((e) => e);

      assert.ok(unknown instanceof AuthError && wrong instanceof AuthError);
      assert.equal(unknown.code, wrong.code);
      assert.equal(unknown.message, wrong.message);
    });

    for (const username of ["", " johndoe", "john doe", "-johndoe", "a".repeat(65), "jöhn"]) {
      it(`refuses the malformed username ${JSON.stringify(username)} as invalid_credentials`, async () => {
        const users = await storeWith({ username: "johndoe" });

        await assert.rejects(
          authenticate({ users, hasher }, username, "secret"),
          invalidCredentials,
        );
      });
    }

    it("refuses a password the hasher will not process (empty, NUL, over 1024 bytes) as invalid_credentials", async () => {
      const users = await storeWith({ username: "johndoe" });

      for (const password of ["", "secret\u0000", "x".repeat(1025)]) {
        await assert.rejects(
          authenticate({ users, hasher }, "johndoe", password),
          invalidCredentials,
        );
      }
    });

    it("refuses a disabled user with a wrong password as invalid_credentials", async () => {
      const users = await storeWith({ username: "alice", disabled: true });

      await assert.rejects(authenticate({ users, hasher }, "alice", "wrong"), invalidCredentials);
    });

    it("refuses a disabled user with the right password as inactive_user", async () => {
      const users = await storeWith({ username: "alice", disabled: true });

      await assert.rejects(authenticate({ users, hasher }, "alice", "secret"), inactiveUser);
    });

    it("refuses a user whose stored hash is not one the hasher knows as invalid_credentials", async () => {
      const users = await storeWith({ username: "johndoe", passwordHash: "plain" as PasswordHash });

      await assert.rejects(authenticate({ users, hasher }, "johndoe", "plain"), invalidCredentials);
    });

    it("passes hasher_busy from verification on to the caller", async () => {
      const users = await storeWith({ username: "johndoe" });
      const busy: PasswordHasher = {
        ...hasher,
        verify: () => Promise.reject(new AuthError("hasher_busy", "queue full")),
      };

      await assert.rejects(authenticate({ users, hasher: busy }, "johndoe", "secret"), {
        name: "AuthError",
        code: "hasher_busy",
      });
    });
  });

  describe("equal work (timing safety by verification count)", () => {
    const cases: ReadonlyArray<readonly [string, string, string]> = [
      ["the right password", "johndoe", "secret"],
      ["an unknown user", "janedoe", "secret"],
      ["a malformed username", "john doe", "secret"],
      ["a wrong password", "johndoe", "wrong"],
      ["a disabled user with a wrong password", "alice", "wrong"],
      ["a disabled user with the right password", "alice", "secret"],
    ];
    for (const [label, username, password] of cases) {
      it(`verifies exactly one password for ${label}`, async () => {
        const users = await storeWith(
          { username: "johndoe" },
          { username: "alice", disabled: true },
        );
        const counting = createCountingHasher(hasher);

        await authenticate({ users, hasher: counting }, username, password).catch(() => undefined);

        assert.equal(counting.verifications, 1);
      });
    }
  });

  describe("rehash on login", () => {
    const outdated: ReadonlyArray<readonly [string, () => PasswordHash]> = [
      ["a bcrypt hash", () => bcryptHash("secret", 4) as PasswordHash],
      [
        "an argon2id hash with other parameters",
        () => argon2Hash("secret", { memoryCost: 16, timeCost: 1, parallelism: 1 }) as PasswordHash,
      ],
    ];
    for (const [label, makeHash] of outdated) {
      it(`replaces ${label} with one in the current policy that verifies`, async () => {
        const oldHash = makeHash();
        const users = await storeWith({ username: "johndoe", passwordHash: oldHash });

        const user = await authenticate({ users, hasher }, "johndoe", "secret");

        const stored = await users.findByUsername("johndoe");
        assert.notEqual(user.passwordHash, oldHash);
        assert.equal(stored?.passwordHash, user.passwordHash);
        assert.deepEqual(await hasher.verify(user.passwordHash, "secret"), {
          matches: true,
          needsRehash: false,
        });
      });
    }

    it("keeps a hash in the current policy as it is", async () => {
      const users = await storeWith({ username: "johndoe" });

      const user = await authenticate({ users, hasher }, "johndoe", "secret");

      assert.equal(user.passwordHash, secretHash);
    });

    it("still logs the user in when the hasher is busy for the rehash, keeping the old hash", async () => {
      const oldHash = bcryptHash("secret", 4) as PasswordHash;
      const users = await storeWith({ username: "johndoe", passwordHash: oldHash });
      const busyForHashing: PasswordHasher = {
        ...hasher,
        hash: () => Promise.reject(new AuthError("hasher_busy", "queue full")),
      };

      const user = await authenticate({ users, hasher: busyForHashing }, "johndoe", "secret");

      assert.equal(user.username, "johndoe");
      assert.equal(user.passwordHash, oldHash);
      assert.equal((await users.findByUsername("johndoe"))?.passwordHash, oldHash);
    });

    it("still logs the user in when the user is deleted while the new hash is made", async () => {
      const oldHash = bcryptHash("secret", 4) as PasswordHash;
      const users = await storeWith({ username: "johndoe", passwordHash: oldHash });
      const deletingMeanwhile: PasswordHasher = {
        ...hasher,
        hash: async (password) => {
          await users.deleteUser("johndoe");
          return hasher.hash(password);
        },
      };

      const user = await authenticate({ users, hasher: deletingMeanwhile }, "johndoe", "secret");

      assert.equal(user.username, "johndoe");
      assert.equal(user.passwordHash, oldHash);
    });

    it("never overwrites a password changed while the new hash is made (issue 16)", async () => {
      const oldHash = bcryptHash("secret", 4) as PasswordHash;
      const users = await storeWith({ username: "johndoe", passwordHash: oldHash });
      const changedHash = await hasher.hash("a new password");
      const changingMeanwhile: PasswordHasher = {
        ...hasher,
        hash: async (password) => {
          await users.updateUser("johndoe", { passwordHash: changedHash });
          return hasher.hash(password);
        },
      };

      const user = await authenticate({ users, hasher: changingMeanwhile }, "johndoe", "secret");

      assert.equal(user.passwordHash, oldHash);
      assert.equal((await users.findByUsername("johndoe"))?.passwordHash, changedHash);
    });

    it("passes on an unexpected failure while rehashing", async () => {
      const oldHash = bcryptHash("secret", 4) as PasswordHash;
      const users = await storeWith({ username: "johndoe", passwordHash: oldHash });
      const failure = new Error("worker pool closed");
      const broken: PasswordHasher = { ...hasher, hash: () => Promise.reject(failure) };

      await assert.rejects(authenticate({ users, hasher: broken }, "johndoe", "secret"), failure);
    });

    it("does not rehash for a disabled user, even with the right password", async () => {
      const oldHash = bcryptHash("secret", 4) as PasswordHash;
      const users = await storeWith({ username: "alice", passwordHash: oldHash, disabled: true });

      await authenticate({ users, hasher }, "alice", "secret").catch(() => undefined);

      assert.equal((await users.findByUsername("alice"))?.passwordHash, oldHash);
    });
  });
});
