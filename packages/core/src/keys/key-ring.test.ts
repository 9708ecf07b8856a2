import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFixedClock } from "../clock.ts";
import { createScopeCatalogue, seedScopeDescriptions } from "../scopes.ts";
import { createTokenService } from "../tokens/tokens.ts";
import { generateSigningKey } from "./key-material.ts";
import { createKeyRing } from "./key-ring.ts";
import { rotateSigningKey } from "./key-rotation.ts";
import type { SigningKeyRecord, SigningKeyStore } from "./signing-keys.ts";
import { peekKeyId } from "./token-keys.ts";

const start = Date.UTC(2025, 0, 1);
const scopes = createScopeCatalogue(seedScopeDescriptions);
const lifetimeSeconds = 60;
const invalid = { name: "AuthError", code: "token_invalid" } as const;

/** The smallest SigningKeyStore: a list, newest activation first. */
function createListStore(): SigningKeyStore {
  let keys: SigningKeyRecord[] = [];
  const sorted = () => [...keys].sort((a, b) => b.activatedAt - a.activatedAt);
  return {
    async ensureSigningKey(candidate) {
      const active = sorted().find((key) => key.retiresAt === null);
      if (active !== undefined) return active;
      keys.push(candidate);
      return candidate;
    },
    async listSigningKeys() {
      return sorted();
    },
    async rotateSigningKey(candidate, retiresAt) {
      keys = keys.map((key) => (key.retiresAt === null ? { ...key, retiresAt } : key));
      keys.push(candidate);
      return candidate;
    },
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A store with one active EdDSA key, and a counter of key reads. */
async function setup() {
  const clock = createFixedClock(start);
  const memory = createListStore();
  let reads = 0;
  let failNext = false;
  const store: SigningKeyStore = {
    ensureSigningKey: (candidate) => memory.ensureSigningKey(candidate),
    rotateSigningKey: (candidate, at) => memory.rotateSigningKey(candidate, at),
    async listSigningKeys() {
      reads += 1;
      if (failNext) {
        failNext = false;
        throw new Error("store unavailable");
      }
      return memory.listSigningKeys();
    },
  };
  const first = await store.ensureSigningKey(generateSigningKey("EdDSA", start));
  const errors: unknown[] = [];
  const ring = await createKeyRing({ store, clock, onRefreshError: (e) => errors.push(e) });
  const tokens = createTokenService({ keys: ring, scopes, clock, lifetimeSeconds });
  const rotate = () =>
    rotateSigningKey(
      { store, clock },
      { algorithm: "EdDSA", tokenLifetimeSeconds: lifetimeSeconds },
    );
  return {
    clock,
    store,
    ring,
    tokens,
    first,
    rotate,
    errors,
    reads: () => reads,
    failNextRead: () => {
      failNext = true;
    },
  };
}

const me = scopes.check(["me"]);

describe("key ring", () => {
  it("refuses to start on a store without an active key", async () => {
    const store = createListStore();

    await assert.rejects(createKeyRing({ store, clock: createFixedClock(start) }), TypeError);
  });

  it("signs with the store's active key", async () => {
    const { tokens, first } = await setup();

    const { token } = tokens.issue("johndoe", me);

    assert.equal(peekKeyId(token), first.kid);
  });

  it("signs with the new key after a rotation and still verifies the old key's tokens", async () => {
    const { tokens, ring, rotate, first } = await setup();
    const old = tokens.issue("johndoe", me);

    const { key } = await rotate();
    await ring.refresh();
    const fresh = tokens.issue("johndoe", me);

    assert.equal(peekKeyId(fresh.token), key.kid);
    assert.notEqual(key.kid, first.kid);
    assert.equal(tokens.verify(old.token).subject, "johndoe");
  });

  it("refuses the old key's tokens once it retires, without another store read", async () => {
    const { tokens, ring, rotate, clock, reads } = await setup();
    const old = tokens.issue("johndoe", me);
    const { previousRetireAt } = await rotate();
    await ring.refresh();
    const readsBefore = reads();

    clock.advance(previousRetireAt - start);

    assert.throws(() => tokens.verify(old.token), invalid);
    assert.equal(reads(), readsBefore + 1); // the background refresh the lookup started
  });

  it("keeps a superseded key verifying for the token lifetime plus refresh and clock slack", async () => {
    const { rotate } = await setup();

    const { previousRetireAt } = await rotate();

    assert.equal(previousRetireAt, start + (lifetimeSeconds + 30 + 60) * 1000);
  });

  it("publishes the signer first and every key that still verifies, never a retired one", async () => {
    const { ring, rotate, clock, first } = await setup();
    const { key, previousRetireAt } = await rotate();
    await ring.refresh();

    const during = ring.publicKeys().map((jwk) => jwk.kid);
    clock.advance(previousRetireAt - start);
    const after = ring.publicKeys().map((jwk) => jwk.kid);

    assert.deepEqual(during, [key.kid, first.kid]);
    assert.deepEqual(after, [key.kid]);
  });

  it("re-reads the store at once for an unknown kid, then not again within the window", async () => {
    const { ring, reads } = await setup();

    await ring.reload("unknown-1");
    await ring.reload("unknown-2");

    assert.equal(reads(), 2); // the first load and one reload
  });

  it("re-reads for an unknown kid again once the window has passed", async () => {
    const { ring, reads, clock } = await setup();
    await ring.reload("unknown-1");

    clock.advance(2000);
    await ring.reload("unknown-2");

    assert.equal(reads(), 3);
  });

  it("never re-reads for a kid it knows as retired", async () => {
    const { ring, rotate, clock, first, reads } = await setup();
    const { previousRetireAt } = await rotate();
    clock.advance(previousRetireAt - start + 1);
    await ring.refresh();
    const readsBefore = reads();

    await ring.reload(first.kid);

    assert.equal(reads(), readsBefore);
    assert.equal(ring.find(first.kid), undefined);
  });

  it("verifies a token of a key rotated in elsewhere once the unknown kid made it reload", async () => {
    const { tokens, store, clock } = await setup();
    const elsewhereRing = await createKeyRing({ store, clock });
    const elsewhere = createTokenService({ keys: elsewhereRing, scopes, clock, lifetimeSeconds });
    await rotateSigningKey({ store, clock }, { algorithm: "ES256", tokenLifetimeSeconds: 60 });
    await elsewhereRing.refresh();
    const { token } = elsewhere.issue("johndoe", me);
    assert.throws(() => tokens.verify(token), invalid);

    assert.equal(await tokens.refreshKeysFor(token), true);

    assert.equal(tokens.verify(token).subject, "johndoe");
  });

  it("picks up a rotation in the background once the refresh interval has passed", async () => {
    const { tokens, rotate, clock, reads } = await setup();
    const { key } = await rotate();

    clock.advance(29_999);
    tokens.issue("johndoe", me);
    const readsBeforeInterval = reads();
    clock.advance(1);
    tokens.issue("johndoe", me);
    await settle();

    assert.equal(readsBeforeInterval, 1);
    assert.equal(reads(), 2);
    assert.equal(peekKeyId(tokens.issue("johndoe", me).token), key.kid);
  });

  it("keeps its last keys and reports the error when a background refresh fails", async () => {
    const { tokens, clock, failNextRead, errors, first } = await setup();
    failNextRead();

    clock.advance(30_000);
    const { token } = tokens.issue("johndoe", me);
    await settle();

    assert.equal(peekKeyId(token), first.kid);
    assert.equal(errors.length, 1);
  });

  it("shares one store read between concurrent refreshes", async () => {
    const { ring, reads } = await setup();

    await Promise.all([ring.refresh(), ring.refresh(), ring.refreshIfOlderThan(0)]);

    assert.equal(reads(), 2);
  });

  it("does not re-read when the snapshot is younger than asked", async () => {
    const { ring, reads, clock } = await setup();
    clock.advance(999);

    await ring.refreshIfOlderThan(1000);

    assert.equal(reads(), 1);
  });
});
