import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { hashSync as bcryptHash } from "@node-rs/bcrypt";
import { createFastHasher, fastArgon2Params } from "../../../../test/fixtures/fast-hasher.ts";
import { createArgon2Hasher, owaspArgon2Params } from "./argon2-hasher.ts";

// The seed user's hash from FastAPI's tutorial: bcrypt, cost 12, of "secret".
const seedBcryptHash = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";
// argon2i (not argon2id) of "x" at m=8,t=1,p=1.
const argon2iHash =
  "$argon2i$v=19$m=8,t=1,p=1$lqDDjOi30NovvRw5LJUunQ$4Efvsctam6GwiUXv/qy89MiXr4nn+5nNrS9+a6shZ48";

describe("createArgon2Hasher", () => {
  const hasher = createFastHasher();
  after(() => hasher.close());

  it("hashes to an argon2id PHC string carrying its parameters", async () => {
    const hash = await hasher.hash("correct horse");

    assert.match(hash, /^\$argon2id\$v=19\$m=8,t=1,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });

  it("matches the password a hash was made from, with no rehash needed", async () => {
    const hash = await hasher.hash("correct horse");

    assert.deepEqual(await hasher.verify(hash, "correct horse"), {
      matches: true,
      needsRehash: false,
    });
  });

  it("does not match a wrong password", async () => {
    const hash = await hasher.hash("correct horse");

    assert.deepEqual(await hasher.verify(hash, "correct horsf"), {
      matches: false,
      needsRehash: false,
    });
  });

  it("salts each hash, so one password gives two different hashes", async () => {
    const first = await hasher.hash("correct horse");
    const second = await hasher.hash("correct horse");

    assert.notEqual(first, second);
  });

  it("round-trips a password with the OWASP production parameters", async () => {
    const production = createArgon2Hasher({ workers: 1 });

    const hash = await production.hash("correct horse");
    const check = await production.verify(hash, "correct horse");
    await production.close();

    assert.ok(hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
    assert.deepEqual(check, { matches: true, needsRehash: false });
  });

  it("publishes OWASP's argon2id parameters: 19 MiB, 2 passes, 1 lane", () => {
    assert.deepEqual(owaspArgon2Params, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });

  it("matches the seed user's bcrypt hash and asks for a rehash to argon2id", async () => {
    const check = await hasher.verify(seedBcryptHash, "secret");

    assert.deepEqual(check, { matches: true, needsRehash: true });
  });

  it("matches a bcrypt hash with a password of exactly 72 bytes", async () => {
    const password = "é".repeat(36);
    const hash = bcryptHash(password, 4);

    assert.equal((await hasher.verify(hash, password)).matches, true);
  });

  it("never matches a bcrypt hash with a password over 72 bytes, even if its first 72 match", async () => {
    const first72Bytes = "é".repeat(36);
    const hash = bcryptHash(first72Bytes, 4);

    const check = await hasher.verify(hash, `${first72Bytes}and then some`);

    assert.deepEqual(check, { matches: false, needsRehash: false });
  });

  it("asks for a rehash of an argon2id hash made with other parameters", async () => {
    const stronger = createArgon2Hasher({ ...fastArgon2Params, memoryCost: 16, workers: 1 });
    const weakHash = await hasher.hash("correct horse");

    const check = await stronger.verify(weakHash, "correct horse");
    await stronger.close();

    assert.deepEqual(check, { matches: true, needsRehash: true });
  });

  it("matches an argon2i hash and asks for a rehash to argon2id", async () => {
    assert.deepEqual(await hasher.verify(argon2iHash, "x"), { matches: true, needsRehash: true });
  });

  it("never matches an unknown or malformed hash, and does not throw", async () => {
    const hashes = [
      "",
      "secret",
      "$argon2id$",
      "$argon2id$v=19$m=8,t=1,p=1$zzz$yyy",
      "$argon2id$v=19$m=8,t=1,p=1$lqDDjOi30NovvRw5LJUunQ$",
      "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31",
      "$2x$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW",
      "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
    ];

    for (const hash of hashes) {
      assert.deepEqual(await hasher.verify(hash, "secret"), { matches: false, needsRehash: false });
    }
  });

  it("does not match a password holding a NUL", async () => {
    const hash = await hasher.hash("correct horse");

    const check = await hasher.verify(hash, "correct horse\u0000");

    assert.deepEqual(check, { matches: false, needsRehash: false });
  });

  it("does not match a 100 KB password", async () => {
    const hash = await hasher.hash("a".repeat(1024));

    const check = await hasher.verify(hash, "a".repeat(100_000));

    assert.deepEqual(check, { matches: false, needsRehash: false });
  });

  it("refuses to hash a password it could never verify, with invalid_request", async () => {
    await assert.rejects(hasher.hash(""), { name: "AuthError", code: "invalid_request" });
    await assert.rejects(hasher.hash("a\u0000b"), { name: "AuthError", code: "invalid_request" });
  });

  it("makes one dummy hash, in the current policy, that matches nothing", async () => {
    const first = await hasher.dummyHash();
    const second = await hasher.dummyHash();

    assert.equal(first, second);
    assert.ok(first.startsWith("$argon2id$v=19$m=8,t=1,p=1$"));
    assert.equal((await hasher.verify(first, "correct horse")).matches, false);
  });

  it("tries the dummy hash again after a busy pool refused it", async () => {
    const busy = createArgon2Hasher({ ...fastArgon2Params, workers: 1, maxQueue: 0 });
    const running = busy.hash("correct horse");
    await assert.rejects(busy.dummyHash(), { name: "AuthError", code: "hasher_busy" });
    await running;

    const dummy = await busy.dummyHash();
    await busy.close();

    assert.ok(dummy.startsWith("$argon2id$"));
  });

  it("keeps the event loop turning while it hashes", async () => {
    const slow = createArgon2Hasher({ memoryCost: 4096, timeCost: 4, workers: 1 });
    await slow.dummyHash();
    let ticks = 0;
    let hashing = true;
    const tick = (): void => {
      ticks++;
      if (hashing) setImmediate(tick);
    };

    setImmediate(tick);
    await slow.hash("correct horse");
    hashing = false;
    await slow.close();

    assert.ok(ticks > 0, "no setImmediate callback ran during the hash");
  });

  it("reports the size and load of its worker pool", () => {
    assert.deepEqual(hasher.stats(), { size: 1, busy: 0, queued: 0 });
  });

  it("refuses out-of-range parameters with a RangeError at creation", () => {
    const invalid = [
      { memoryCost: 7 },
      { memoryCost: 15, parallelism: 2 },
      { memoryCost: 19456.5 },
      { timeCost: 0 },
      { parallelism: 0 },
      { parallelism: 256 },
      { workers: 0 },
      { maxQueue: -1 },
    ];

    for (const options of invalid) {
      assert.throws(() => createArgon2Hasher(options), RangeError, JSON.stringify(options));
    }
  });
});
