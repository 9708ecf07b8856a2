import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { SignJWT } from "jose";
import { createFixedClock } from "../clock.ts";
import { createScopeCatalogue, seedScopeDescriptions } from "../scopes.ts";
import { createLegacyKeySource } from "./legacy-key-source.ts";
import { createTokenService } from "./tokens.ts";

const secret = Buffer.from("a FastAPI SECRET_KEY that is long enough", "utf8");
const otherSecret = Buffer.from("another key entirely, also long enough", "utf8");
const now = Date.UTC(2026, 0, 1);
const nowSeconds = now / 1000;
const scopes = createScopeCatalogue(seedScopeDescriptions);

/** A token service of its own key that also accepts the FastAPI app's tokens until `acceptUntil`. */
function setup(acceptUntil = now + 86_400_000) {
  const clock = createFixedClock(now);
  const source = createLegacyKeySource({ secret, clock, acceptUntil });
  const legacy = createTokenService({
    key: { kid: "own", algorithm: "HS256", secret: randomBytes(32) },
    scopes,
    clock,
    legacy: source,
  });
  return { clock, source, legacy };
}

/** Signs like python-jose / PyJWT in the seed: HS256, typ JWT, sub + exp (+ scopes). */
function fastapiToken(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key: Buffer = secret,
): Promise<string> {
  return new SignJWT({ sub: "johndoe", exp: nowSeconds + 900, ...claims })
    .setProtectedHeader({ alg: "HS256", typ: "JWT", ...header })
    .sign(key);
}

describe("createLegacyKeySource: the FastAPI form of the token verifier", () => {
  it("accepts a seed token with a scopes list, keeping only catalogue scopes", async () => {
    const { legacy } = setup();

    const verified = legacy.verify(await fastapiToken({ scopes: ["me", "items", "admin"] }));

    assert.equal(verified.subject, "johndoe");
    assert.deepEqual(verified.scopes, ["me", "items"]);
    assert.equal(verified.issuedAt, 0);
    assert.match(verified.tokenId, /^legacy-/);
  });

  it("accepts a space-separated scope string", async () => {
    const { legacy } = setup();

    assert.deepEqual(legacy.verify(await fastapiToken({ scope: "items me" })).scopes, [
      "items",
      "me",
    ]);
  });

  it("grants no scopes to a token that names none", async () => {
    const { legacy } = setup();

    assert.deepEqual(legacy.verify(await fastapiToken({ iat: nowSeconds - 5 })).scopes, []);
  });

  it("refuses every token once the window has closed", async () => {
    const { legacy, source, clock } = setup(now + 1000);
    const token = await fastapiToken({ scopes: ["me"] });
    clock.advance(1000);

    assert.equal(source.isOpen(), false);
    assert.throws(() => legacy.verify(token), { code: "token_invalid" });
  });

  it("refuses an expired token with token_expired", async () => {
    const { legacy } = setup();

    const token = await fastapiToken({ exp: nowSeconds });

    assert.throws(() => legacy.verify(token), { code: "token_expired" });
  });

  const refusals: [string, () => Promise<string>][] = [
    ["signed with another key", () => fastapiToken({}, {}, otherSecret)],
    ["signed with HS512", () => fastapiToken({}, { alg: "HS512" })],
    ["carrying a key id", () => fastapiToken({}, { kid: "k1" })],
    ["typed as some other JWT", () => fastapiToken({}, { typ: "at+jwt" })],
    ["without sub", () => fastapiToken({ sub: undefined })],
    ["with a fractional exp", () => fastapiToken({ exp: nowSeconds + 0.5 })],
    ["not valid before a future nbf", () => fastapiToken({ nbf: nowSeconds + 60 })],
  ];
  for (const [label, make] of refusals) {
    it(`refuses a token ${label} with token_invalid`, async () => {
      const { legacy } = setup();
      const token = await make();

      assert.throws(() => legacy.verify(token), { code: "token_invalid" });
    });
  }

  it("refuses an empty, oversized or malformed token with token_invalid", () => {
    const { legacy } = setup();

    for (const token of ["", "x".repeat(5000), "a.b.c"]) {
      assert.throws(() => legacy.verify(token), { code: "token_invalid" });
    }
  });

  it("refuses a secret shorter than 32 bytes", () => {
    assert.throws(
      () =>
        createLegacyKeySource({
          secret: Buffer.alloc(16),
          clock: createFixedClock(now),
          acceptUntil: now,
        }),
      RangeError,
    );
  });
});

describe("a token service with a legacy key source", () => {
  const build = (acceptUntil: number) => {
    const clock = createFixedClock(now);
    const service = createTokenService({
      key: { kid: "k", algorithm: "HS256", secret },
      scopes,
      clock,
      legacy: createLegacyKeySource({ secret, clock, acceptUntil }),
    });
    return { clock, service };
  };

  it("verifies its own at+jwt tokens with the primary service, window open or not", () => {
    const { service } = build(now + 1000);
    const { token } = service.issue("johndoe", scopes.check(["me"]));

    assert.equal(service.verify(token).subject, "johndoe");
    assert.doesNotMatch(service.verify(token).tokenId, /^legacy-/);
  });

  it("sends a FastAPI token to the legacy verifier while the window is open", async () => {
    const { service } = build(now + 1000);

    assert.match(service.verify(await fastapiToken({ scopes: ["me"] })).tokenId, /^legacy-/);
  });

  it("refuses a FastAPI token once the window has closed", async () => {
    const { service } = build(now);
    const token = await fastapiToken({});

    assert.throws(() => service.verify(token), { code: "token_invalid" });
  });

  it("refuses a token whose header is not JSON", () => {
    const { service } = build(now + 1000);

    assert.throws(() => service.verify("bm90IGpzb24.e30.c2ln"), { code: "token_invalid" });
  });

  it("refuses a FastAPI token it verified before once the window has closed (cache)", async () => {
    const { service, clock } = build(now + 1000);
    const token = await fastapiToken({ scopes: ["me"] });
    service.verify(token);

    clock.advance(1000);

    assert.throws(() => service.verify(token), { code: "token_invalid" });
  });

  it("does not hold a FastAPI token to the issuer and audience of its own tokens", async () => {
    const clock = createFixedClock(now);
    const service = createTokenService({
      key: { kid: "k", algorithm: "HS256", secret: otherSecret },
      scopes,
      clock,
      issuer: "https://gatehouse.test",
      audience: "api",
      legacy: createLegacyKeySource({ secret, clock, acceptUntil: now + 1000 }),
    });

    assert.equal(service.verify(await fastapiToken({ scopes: ["me"] })).subject, "johndoe");
  });

  it("reads a scope named twice in the list once", async () => {
    const { service } = build(now + 1000);

    assert.deepEqual(service.verify(await fastapiToken({ scopes: ["me", "me"] })).scopes, ["me"]);
  });
});
