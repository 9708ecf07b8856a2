import assert from "node:assert/strict";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { createSigner } from "fast-jwt";
import { createFixedClock } from "../clock.ts";
import { generateSigningKey, toTokenKey } from "../keys/key-material.ts";
import type { SigningAlgorithm } from "../keys/signing-keys.ts";
import { type KeyPair, peekKeyId, type TokenKey, type TokenKeySet } from "../keys/token-keys.ts";
import { createScopeCatalogue, type Scope, seedScopeDescriptions } from "../scopes.ts";
import { maxTokenLength } from "./token-verifier.ts";
import { createTokenService } from "./tokens.ts";

const start = Date.UTC(2025, 0, 1);
const startSeconds = start / 1000;
const scopes = createScopeCatalogue(seedScopeDescriptions);
const me = scopes.check(["me"])[0] as Scope;
const invalid = { name: "AuthError", code: "token_invalid" } as const;

const base64url = (value: unknown): string =>
  Buffer.from(JSON.stringify(value), "utf8").toString("base64url");

function keyFor(algorithm: SigningAlgorithm): TokenKey {
  return toTokenKey(generateSigningKey(algorithm, start));
}

function serviceFor(key: TokenKey, clock = createFixedClock(start)) {
  return createTokenService({ key, scopes, clock });
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sub: "johndoe",
    iat: startSeconds,
    exp: startSeconds + 1800,
    jti: "3f1c0d8e-0000-4000-8000-000000000000",
    scope: "me",
    ...overrides,
  };
}

/** Signs `payload` with the private half of `key`, putting `header` members in the header. */
function signWith(key: KeyPair, header: Record<string, unknown> = {}, payload = claims()): string {
  const sign = createSigner({
    key: key.privateKey ?? "",
    algorithm: key.algorithm,
    kid: key.kid,
    header: { alg: key.algorithm, typ: "at+jwt", ...header },
  });
  return sign(payload);
}

function hs256(secret: Buffer | string, header: Record<string, unknown>): string {
  const input = `${base64url(header)}.${base64url(claims())}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

function asKeyPair(key: TokenKey): KeyPair {
  if (key.algorithm === "HS256") throw new Error("not a key pair");
  return key;
}

describe("asymmetric access tokens", () => {
  for (const algorithm of ["EdDSA", "ES256"] as const) {
    it(`signs with ${algorithm} and verifies back to the same claims`, () => {
      const key = keyFor(algorithm);
      const tokens = serviceFor(key);

      const issued = tokens.issue("johndoe", [me]);

      assert.deepEqual(tokens.verify(issued.token), {
        subject: "johndoe",
        scopes: ["me"],
        tokenId: issued.tokenId,
        issuedAt: startSeconds,
        issuedAtMs: startSeconds * 1000,
        expiresAt: startSeconds + 1800,
        form: "at+jwt",
      });
    });

    it(`writes alg ${algorithm}, typ at+jwt and the key's kid in the header`, () => {
      const key = keyFor(algorithm);

      const { token } = serviceFor(key).issue("johndoe", [me]);

      const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString());
      assert.deepEqual(header, { alg: algorithm, typ: "at+jwt", kid: key.kid });
    });

    it(`refuses an ${algorithm} token signed by another key under the same kid`, () => {
      const key = asKeyPair(keyFor(algorithm));
      const impostor = { ...asKeyPair(keyFor(algorithm)), kid: key.kid };

      assert.throws(() => serviceFor(key).verify(signWith(impostor)), invalid);
    });

    it(`refuses an HS256 token whose secret is the ${algorithm} public key (algorithm confusion)`, () => {
      const key = asKeyPair(keyFor(algorithm));
      const token = hs256(key.publicKey, { alg: "HS256", typ: "at+jwt", kid: key.kid });

      assert.throws(() => serviceFor(key).verify(token), invalid);
    });

    it(`verifies with a public-only ${algorithm} key but cannot issue with it`, () => {
      const key = asKeyPair(keyFor(algorithm));
      const verifier = serviceFor({ ...key, privateKey: undefined });
      const token = signWith(key);

      assert.equal(verifier.verify(token).subject, "johndoe");
      assert.throws(() => verifier.issue("johndoe", [me]), TypeError);
    });
  }

  it("refuses an EdDSA token at an HS256 service, even under the HS256 key's kid", () => {
    const hsKey = keyFor("HS256");
    const edKey = { ...asKeyPair(keyFor("EdDSA")), kid: hsKey.kid };

    assert.throws(() => serviceFor(hsKey).verify(signWith(edKey)), invalid);
  });

  it("refuses an HS256 token at an EdDSA service", () => {
    const edKey = keyFor("EdDSA");
    const hsKey = { ...keyFor("HS256"), kid: edKey.kid } as TokenKey;

    const { token } = serviceFor(hsKey).issue("johndoe", [me]);

    assert.throws(() => serviceFor(edKey).verify(token), invalid);
  });

  it("refuses an ES256 token at an EdDSA service under the same kid", () => {
    const edKey = asKeyPair(keyFor("EdDSA"));
    const esKey = { ...asKeyPair(keyFor("ES256")), kid: edKey.kid };

    assert.throws(() => serviceFor(edKey).verify(signWith(esKey)), invalid);
  });

  it("refuses a header naming EdDSA over an ES256 key's signature", () => {
    const esKey = asKeyPair(keyFor("ES256"));
    const [, payload, signature] = signWith(esKey).split(".");
    const header = base64url({ alg: "EdDSA", typ: "at+jwt", kid: esKey.kid });

    assert.throws(() => serviceFor(esKey).verify(`${header}.${payload}.${signature}`), invalid);
  });

  it("refuses alg none at an EdDSA service", () => {
    const key = keyFor("EdDSA");
    const token = `${base64url({ alg: "none", typ: "at+jwt", kid: key.kid })}.${base64url(claims())}.`;

    assert.throws(() => serviceFor(key).verify(token), invalid);
  });

  it("ignores jku, x5u, x5c and jwk header members of a token it signed", () => {
    const key = asKeyPair(keyFor("EdDSA"));
    const token = signWith(key, {
      jku: "http://127.0.0.1:9/jwks.json",
      x5u: "http://127.0.0.1:9/cert.pem",
      x5c: ["MIIB"],
      jwk: { kty: "OKP", crv: "Ed25519", x: "A".repeat(43) },
    });

    assert.equal(serviceFor(key).verify(token).subject, "johndoe");
  });

  it("refuses a token signed by a key it carries in its own jwk header", () => {
    const key = keyFor("EdDSA");
    const attacker = asKeyPair(keyFor("EdDSA"));
    const { publicKey } = generateKeyPairSync("ed25519");
    const jwk = publicKey.export({ format: "jwk" });
    const token = signWith({ ...attacker, kid: key.kid }, { jwk, jku: "http://127.0.0.1:9/" });

    assert.throws(() => serviceFor(key).verify(token), invalid);
  });

  it("writes client_id when the token request named a client, and reads it back", () => {
    const tokens = serviceFor(keyFor("EdDSA"));

    const { token } = tokens.issue("johndoe", [me], { clientId: "spa" });

    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
    assert.equal(payload.client_id, "spa");
    assert.equal(tokens.verify(token).clientId, "spa");
  });

  it("writes no client_id when none was named", () => {
    const tokens = serviceFor(keyFor("EdDSA"));

    const { token } = tokens.issue("johndoe", [me]);

    assert.equal("clientId" in tokens.verify(token), false);
  });

  it("refuses a token whose client_id is not a string", () => {
    const key = asKeyPair(keyFor("EdDSA"));

    assert.throws(
      () => serviceFor(key).verify(signWith(key, {}, claims({ client_id: 7 }))),
      invalid,
    );
  });
});

describe("token services over a key set", () => {
  function mutableSet(initial: TokenKey) {
    const known = new Map<string, TokenKey>([[initial.kid, initial]]);
    let signer = initial;
    let reloads = 0;
    const pending = new Map<string, TokenKey>();
    const set: TokenKeySet = {
      signer: () => signer,
      find: (kid) => known.get(kid),
      async reload() {
        reloads += 1;
        for (const [kid, key] of pending) known.set(kid, key);
      },
    };
    return {
      set,
      reloads: () => reloads,
      add(key: TokenKey) {
        known.set(key.kid, key);
      },
      remove(kid: string) {
        known.delete(kid);
      },
      makeSigner(key: TokenKey) {
        known.set(key.kid, key);
        signer = key;
      },
      arriveOnReload(key: TokenKey) {
        pending.set(key.kid, key);
      },
    };
  }

  it("refuses to be built with neither a key nor a key set, or with both", () => {
    const key = keyFor("EdDSA");
    const clock = createFixedClock(start);

    assert.throws(() => createTokenService({ scopes, clock }), TypeError);
    assert.throws(
      () => createTokenService({ key, keys: mutableSet(key).set, scopes, clock }),
      TypeError,
    );
  });

  it("signs with the set's current signer and keeps verifying the previous key's tokens", () => {
    const first = keyFor("EdDSA");
    const keys = mutableSet(first);
    const tokens = createTokenService({ keys: keys.set, scopes, clock: createFixedClock(start) });
    const old = tokens.issue("johndoe", [me]);
    const second = keyFor("ES256");

    keys.makeSigner(second);
    const fresh = tokens.issue("johndoe", [me]);

    assert.equal(peekKeyId(fresh.token), second.kid);
    assert.equal(tokens.verify(old.token).subject, "johndoe");
    assert.equal(tokens.verify(fresh.token).subject, "johndoe");
  });

  it("refuses a token of a key the set dropped, even one it verified before (cache)", () => {
    const first = keyFor("EdDSA");
    const keys = mutableSet(first);
    const tokens = createTokenService({ keys: keys.set, scopes, clock: createFixedClock(start) });
    const { token } = tokens.issue("johndoe", [me]);
    tokens.verify(token);
    keys.makeSigner(keyFor("EdDSA"));

    keys.remove(first.kid);

    assert.throws(() => tokens.verify(token), invalid);
  });

  it("learns a key on reload when a token names a kid it does not know", async () => {
    const first = keyFor("EdDSA");
    const keys = mutableSet(first);
    const tokens = createTokenService({ keys: keys.set, scopes, clock: createFixedClock(start) });
    const elsewhere = keyFor("EdDSA");
    const { token } = serviceFor(elsewhere).issue("johndoe", [me]);
    keys.arriveOnReload(elsewhere);
    assert.throws(() => tokens.verify(token), invalid);

    const learned = await tokens.refreshKeysFor(token);

    assert.equal(learned, true);
    assert.equal(tokens.verify(token).subject, "johndoe");
  });

  it("does not reload for a token whose kid it knows, has no kid, or is too long", async () => {
    const first = keyFor("EdDSA");
    const keys = mutableSet(first);
    const tokens = createTokenService({ keys: keys.set, scopes, clock: createFixedClock(start) });
    const { token } = tokens.issue("johndoe", [me]);
    const long = `${base64url({ kid: "x" })}.${"a".repeat(maxTokenLength)}`;

    const answers = [
      await tokens.refreshKeysFor(token),
      await tokens.refreshKeysFor("not-a-token"),
      await tokens.refreshKeysFor(long),
    ];

    assert.deepEqual(answers, [false, false, false]);
    assert.equal(keys.reloads(), 0);
  });

  it("answers false when the reload finds nothing, or fails", async () => {
    const first = keyFor("EdDSA");
    const keys = mutableSet(first);
    const failing: TokenKeySet = {
      ...keys.set,
      reload: () => Promise.reject(new Error("store down")),
    };
    const token = signWith({ ...asKeyPair(keyFor("EdDSA")), kid: "unknown-kid" });
    const tokens = createTokenService({ keys: keys.set, scopes, clock: createFixedClock(start) });
    const broken = createTokenService({ keys: failing, scopes, clock: createFixedClock(start) });

    assert.equal(await tokens.refreshKeysFor(token), false);
    assert.equal(await broken.refreshKeysFor(token), false);
  });

  it("never reloads a fixed key", async () => {
    const tokens = serviceFor(keyFor("EdDSA"));
    const token = signWith({ ...asKeyPair(keyFor("EdDSA")), kid: "unknown-kid" });

    assert.equal(await tokens.refreshKeysFor(token), false);
  });
});

describe("peekKeyId", () => {
  it("reads the kid of a header without verifying", () => {
    assert.equal(peekKeyId(`${base64url({ alg: "EdDSA", kid: "k1" })}.e30.sig`), "k1");
  });

  for (const [label, token] of [
    ["no dot", "abc"],
    ["an empty header", ".e30.sig"],
    ["a header that is not JSON", "!!!.e30.sig"],
    ["a header that is JSON null", `${base64url(null)}.e30.sig`],
    ["a header without kid", `${base64url({ alg: "EdDSA" })}.e30.sig`],
    ["a numeric kid", `${base64url({ kid: 7 })}.e30.sig`],
  ] as const) {
    it(`gives undefined for ${label}`, () => {
      assert.equal(peekKeyId(token), undefined);
    });
  }
});
