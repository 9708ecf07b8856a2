import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createFastHasher } from "../../../../test/fixtures/fast-hasher.ts";
import { seedScopes } from "../../../../test/fixtures/seed-scopes.ts";
import { createFixedClock } from "../clock.ts";
import { isAuthError } from "../errors.ts";
import { deriveKeyId } from "../keys/token-keys.ts";
import type { PasswordHash } from "../passwords/hasher.ts";
import { createTokenService } from "../tokens/tokens.ts";
import { createDeviceProofs } from "./device-proof.ts";
import { passwordGrant } from "./password-grant.ts";
import type { ThrottlePolicy } from "./throttle.ts";
import { createLoginThrottle } from "./throttle.ts";

const start = Date.UTC(2026, 0, 1);
const policy: ThrottlePolicy = {
  account: { freeFailures: 5, baseDelayMs: 60_000, maxDelayMs: 900_000, windowMs: 3_600_000 },
  address: { freeFailures: 1000, baseDelayMs: 1000, maxDelayMs: 900_000, windowMs: 3_600_000 },
};

describe("device proofs", () => {
  const hasher = createFastHasher();
  let passwordHash: PasswordHash;
  before(async () => {
    passwordHash = await hasher.hash("secret");
  });
  after(() => hasher.close());

  async function setup() {
    const clock = createFixedClock(start);
    const key = randomBytes(32);
    const store = createMemoryStore({ clock });
    for (const username of ["johndoe", "alice"]) {
      await store.users.createUser({ username, passwordHash, scopes: ["me"] });
    }
    const proofs = createDeviceProofs({ secret: randomBytes(32), clock });
    const deps = {
      users: store.users,
      hasher,
      scopes: seedScopes,
      tokens: createTokenService({
        key: { kid: deriveKeyId(key), algorithm: "HS256", secret: key },
        scopes: seedScopes,
        clock,
      }),
      throttle: createLoginThrottle({ store: store.throttle, clock, policy }),
      deviceProofs: proofs,
    };
    /** A login from the owner's or the attacker's address; what it ended with. */
    const logIn = (
      username: string,
      password: string,
      deviceProof?: string,
      clientAddress = "203.0.113.7",
    ) =>
      passwordGrant(deps, {
        username,
        password,
        scopes: undefined,
        clientAddress,
        deviceProof,
      }).then(
        (issued) => issued.deviceProof ?? "succeeded",
        (error: unknown) => (isAuthError(error) ? error.code : String(error)),
      );
    /** Five wrong passwords for `username` from another address: the account's lock. */
    const lockOut = async (username: string) => {
      for (let i = 0; i < 5; i++) await logIn(username, `guess${i}`, undefined, "198.51.100.9");
    };
    return { clock, proofs, logIn, lockOut };
  }

  it("gives a device that logged in a proof for that account", async () => {
    const { proofs, logIn } = await setup();

    const proof = await logIn("johndoe", "secret");

    assert.match(proof, /^[\w-]{22}\.[0-9a-z]+\.[\w-]{43}$/);
    assert.notEqual(proofs.check(proof, "JohnDoe"), undefined);
    assert.equal(proofs.check(proof, "alice"), undefined);
  });

  it("lets the owner's device in while a lock others caused refuses everyone else", async () => {
    const { logIn, lockOut } = await setup();
    const proof = await logIn("johndoe", "secret");
    await lockOut("johndoe");

    const withoutProof = await logIn("johndoe", "secret");
    const withProof = await logIn("johndoe", "secret", proof);

    assert.equal(withoutProof, "throttled");
    assert.notEqual(withProof, "throttled");
    assert.notEqual(withProof, "invalid_credentials");
  });

  it("leaves the account's lock in force after the device's login", async () => {
    const { logIn, lockOut } = await setup();
    const proof = await logIn("johndoe", "secret");
    await lockOut("johndoe");

    await logIn("johndoe", "secret", proof);

    assert.equal(await logIn("johndoe", "secret"), "throttled");
  });

  it("renews the proof of the same device on each login", async () => {
    const { logIn, proofs, clock } = await setup();
    const first = await logIn("johndoe", "secret");
    clock.advance(1000);

    const second = await logIn("johndoe", "secret", first);

    assert.equal(second.split(".")[0], first.split(".")[0]);
    assert.notEqual(second, first);
    assert.equal(proofs.check(second, "johndoe"), proofs.check(first, "johndoe"));
  });

  it("does nothing for a proof of another account, stolen or not", async () => {
    const { logIn, lockOut } = await setup();
    const aliceProof = await logIn("alice", "secret");
    await lockOut("johndoe");

    assert.equal(await logIn("johndoe", "secret", aliceProof), "throttled");
    assert.equal(await logIn("johndoe", "guess", aliceProof), "throttled");
  });

  it("ignores a forged, altered, expired or garbled proof", async () => {
    const { logIn, lockOut, clock } = await setup();
    const proof = await logIn("johndoe", "secret");
    const [id, expiry, mac] = proof.split(".");
    const later = (Number.parseInt(expiry ?? "0", 36) + 86_400_000).toString(36);
    await lockOut("johndoe");
    const presented = [
      `${id}.${later}.${mac}`,
      `${"A".repeat(22)}.${expiry}.${mac}`,
      `${id}.${expiry}.${"A".repeat(43)}`,
      `${proof}.x`,
      "not a proof",
      "",
    ];

    for (const forged of presented) {
      assert.equal(await logIn("johndoe", "secret", forged), "throttled", forged);
    }
    clock.advance(30 * 86_400_000);
    await lockOut("johndoe");
    assert.equal(await logIn("johndoe", "secret", proof), "throttled");
  });

  it("locks a proof out after its own free failures, and then judges it as no proof", async () => {
    const { logIn, lockOut } = await setup();
    const proof = await logIn("johndoe", "secret");
    await lockOut("johndoe");

    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push(await logIn("johndoe", `stolen${i}`, proof));

    assert.deepEqual(guesses, [
      "invalid_credentials",
      "invalid_credentials",
      "invalid_credentials",
      "invalid_credentials",
      "invalid_credentials",
      "throttled",
    ]);
    assert.equal(await logIn("johndoe", "secret", proof), "throttled");
  });

  it("counts a locked proof's attempts against the account when the account is not locked", async () => {
    const { logIn } = await setup();
    const proof = await logIn("johndoe", "secret");
    for (let i = 0; i < 5; i++) await logIn("johndoe", `stolen${i}`, proof);

    for (let i = 0; i < 5; i++) {
      assert.equal(await logIn("johndoe", `more${i}`, proof), "invalid_credentials");
    }
    assert.equal(await logIn("johndoe", "secret"), "throttled");
  });

  it("still counts a device's failures for its address", async () => {
    const clock = createFixedClock(start);
    const store = createMemoryStore({ clock });
    await store.users.createUser({ username: "johndoe", passwordHash, scopes: ["me"] });
    const proofs = createDeviceProofs({ secret: randomBytes(32), clock });
    const throttle = createLoginThrottle({
      store: store.throttle,
      clock,
      policy: { ...policy, address: { ...policy.account, freeFailures: 3 } },
    });
    const proof = proofs.issue("johndoe");
    const device = proofs.check(proof, "johndoe");
    const guess = () =>
      throttle.attempt(
        "johndoe",
        "203.0.113.7",
        async () => {
          throw new Error("wrong password");
        },
        device,
      );
    for (let i = 0; i < 3; i++) await assert.rejects(guess(), { message: "wrong password" });

    await assert.rejects(guess(), { code: "throttled" });
  });

  it("refuses a secret shorter than 32 bytes", () => {
    assert.throws(
      () => createDeviceProofs({ secret: randomBytes(31), clock: createFixedClock(start) }),
      RangeError,
    );
  });
});
