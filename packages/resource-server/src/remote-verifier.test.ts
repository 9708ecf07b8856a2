import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { createSigner } from "fast-jwt";
import { createFixedClock } from "gatehouse-auth-core/clock";
import {
  generateSigningKey,
  publishedJwk,
  toTokenKey,
} from "gatehouse-auth-core/keys/key-material";
import type { SigningAlgorithm, SigningKeyRecord } from "gatehouse-auth-core/keys/signing-keys";
import type { KeyPair } from "gatehouse-auth-core/keys/token-keys";
import { createScopeCatalogue, seedScopeDescriptions } from "gatehouse-auth-core/scopes";
import { createTokenService } from "gatehouse-auth-core/tokens/tokens";
import { createRemoteVerifier, type RemoteVerifierOptions } from "./remote-verifier.ts";

const start = Date.UTC(2025, 0, 1);
const startSeconds = start / 1000;
const issuer = "https://gatehouse.test";
const jwksUrl = "https://gatehouse.test/.well-known/jwks.json";
const scopes = createScopeCatalogue(seedScopeDescriptions);
const invalid = { name: "AuthError", code: "token_invalid" } as const;

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A fake issuer: keys it publishes, a JWKS fetch that counts calls, and tokens it signs. */
function setup(
  overrides: Partial<RemoteVerifierOptions> = {},
  algorithm: SigningAlgorithm = "EdDSA",
) {
  const clock = createFixedClock(start);
  let published: SigningKeyRecord[] = [generateSigningKey(algorithm, start)];
  const fetched: string[] = [];
  let answer: () => Response = () =>
    Response.json({ keys: published.map((key) => publishedJwk(key)).filter(Boolean) });
  const verifier = createRemoteVerifier({
    jwksUrl,
    issuer,
    clock,
    fetch: async (url) => {
      fetched.push(url.href);
      return answer();
    },
    ...overrides,
  });
  const signer = (record: SigningKeyRecord, options: { issuer?: string; audience?: string } = {}) =>
    createTokenService({ key: toTokenKey(record), scopes, clock, issuer, ...options });
  const first = published[0] as SigningKeyRecord;
  return {
    clock,
    verifier,
    fetched,
    first,
    issue: (scope: string[] = ["me", "items"], record = first, options = {}) =>
      signer(record, options).issue("johndoe", scopes.check(scope)).token,
    publish(record: SigningKeyRecord) {
      published = [...published, record];
    },
    unpublish(kid: string) {
      published = published.filter((key) => key.kid !== kid);
    },
    answerWith(respond: () => Response) {
      answer = respond;
    },
  };
}

function keyPair(record: SigningKeyRecord): KeyPair {
  const key = toTokenKey(record);
  if (key.algorithm === "HS256") throw new Error("not a key pair");
  return key;
}

function signRaw(
  record: SigningKeyRecord,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): string {
  const key = keyPair(record);
  return createSigner({
    key: key.privateKey ?? "",
    algorithm: key.algorithm,
    kid: key.kid,
    header: { alg: key.algorithm, typ: "at+jwt", ...header },
    // Exactly the claims given: fast-jwt adds an `iat` of the real time to a payload without one
    // (and drops the payload's own when told not to add one).
    noTimestamp: !("iat" in payload),
  })(payload);
}

function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: issuer,
    sub: "johndoe",
    iat: startSeconds,
    exp: startSeconds + 60,
    scope: "me",
    ...overrides,
  };
}

describe("createRemoteVerifier", () => {
  for (const algorithm of ["EdDSA", "ES256"] as const) {
    it(`accepts an ${algorithm} token of the issuer and gives subject, scopes and claims`, async () => {
      const t = setup({}, algorithm);
      const token = t.issue(["me", "items"], t.first, { audience: "items-api" });

      const principal = await t.verifier.verify(token, ["items"]);

      assert.equal(principal.subject, "johndoe");
      assert.deepEqual(principal.scopes, ["me", "items"]);
      assert.equal(principal.claims.iss, issuer);
      assert.equal(principal.claims["aud"], "items-api");
    });
  }

  it("fetches the JWKS once and then verifies from its cache", async () => {
    const t = setup();
    const token = t.issue();

    await t.verifier.verify(token);
    await t.verifier.verify(token);

    assert.deepEqual(t.fetched, [jwksUrl]);
  });

  it("refuses a token without a required scope as insufficient_scope", async () => {
    const t = setup();

    await assert.rejects(t.verifier.verify(t.issue(["me"]), ["items"]), {
      name: "AuthError",
      code: "insufficient_scope",
    });
  });

  it("refuses a token of another issuer", async () => {
    const t = setup();
    const token = t.issue(["me"], t.first, { issuer: "https://evil.test" });

    await assert.rejects(t.verifier.verify(token), invalid);
  });

  it("refuses a token without iss", async () => {
    const t = setup();
    const { iss: _, ...noIssuer } = claims();

    await assert.rejects(t.verifier.verify(signRaw(t.first, {}, noIssuer)), invalid);
  });

  it("checks the audience when one is configured", async () => {
    const t = setup({ audience: "items-api" });

    await assert.rejects(
      t.verifier.verify(t.issue(["me"], t.first, { audience: "other" })),
      invalid,
    );
    await assert.rejects(t.verifier.verify(t.issue(["me"])), invalid);
    const ok = t.issue(["me"], t.first, { audience: "items-api" });
    assert.equal((await t.verifier.verify(ok)).subject, "johndoe");
  });

  it("accepts an aud array holding the audience", async () => {
    const t = setup({ audience: "items-api" });
    const token = signRaw(t.first, {}, claims({ aud: ["a", "items-api"] }));

    assert.equal((await t.verifier.verify(token)).subject, "johndoe");
  });

  it("refuses an expired token, on a cache hit too", async () => {
    const t = setup();
    const token = t.issue();
    await t.verifier.verify(token);

    t.clock.advance(1800 * 1000);

    await assert.rejects(t.verifier.verify(token), { name: "AuthError", code: "token_expired" });
  });

  it("accepts a token without jti or iat: a resource server neither revokes nor cuts off", async () => {
    const t = setup();
    const { iat: _, ...noIssuedAt } = claims();

    assert.equal((await t.verifier.verify(signRaw(t.first, {}, noIssuedAt))).subject, "johndoe");
  });

  it("hands every request of a cached token the same frozen principal", async () => {
    const t = setup();
    const token = t.issue();

    const first = await t.verifier.verify(token);

    assert.equal(await t.verifier.verify(token), first);
    assert.ok(
      Object.isFrozen(first) && Object.isFrozen(first.claims) && Object.isFrozen(first.scopes),
    );
  });

  it("refuses a token issued further in the future than the clock skew", async () => {
    const t = setup();
    const ahead = claims({ iat: startSeconds + 61, exp: startSeconds + 120 });

    await assert.rejects(t.verifier.verify(signRaw(t.first, {}, ahead)), invalid);
    assert.equal(
      (await t.verifier.verify(signRaw(t.first, {}, claims({ iat: startSeconds + 60 })))).subject,
      "johndoe",
    );
  });

  it("refuses a token living longer than the longest lifetime it accepts, with or without iat", async () => {
    const t = setup({ maxLifetimeSeconds: 3600, clockSkewSeconds: 0 });
    const long = claims({ exp: startSeconds + 3601 });
    const { iat: _, ...noIssuedAt } = long;

    await assert.rejects(t.verifier.verify(signRaw(t.first, {}, long)), invalid);
    await assert.rejects(t.verifier.verify(signRaw(t.first, {}, noIssuedAt)), invalid);
    assert.equal(
      (await t.verifier.verify(signRaw(t.first, {}, claims({ exp: startSeconds + 3600 })))).subject,
      "johndoe",
    );
  });

  it("refuses a token whose nbf is in the future", async () => {
    const t = setup();

    await assert.rejects(
      t.verifier.verify(signRaw(t.first, {}, claims({ nbf: startSeconds + 5 }))),
      invalid,
    );
  });

  it("refuses a token whose typ is not at+jwt (an ID token, say)", async () => {
    const t = setup();

    await assert.rejects(t.verifier.verify(signRaw(t.first, { typ: "JWT" }, claims())), invalid);
  });

  it("refuses a token with malformed claims", async () => {
    const t = setup();

    await assert.rejects(t.verifier.verify(signRaw(t.first, {}, claims({ sub: 42 }))), invalid);
  });

  it("refuses a token signed by a key the issuer does not publish", async () => {
    const t = setup();
    const stranger = generateSigningKey("EdDSA", start);

    await assert.rejects(t.verifier.verify(t.issue(["me"], stranger)), invalid);
  });

  it("refuses a forged token claiming a published kid", async () => {
    const t = setup();
    const stranger = { ...generateSigningKey("EdDSA", start), kid: t.first.kid };

    await assert.rejects(t.verifier.verify(signRaw(stranger, {}, claims())), invalid);
  });

  it("refuses an HS256 token whose secret is the published public key (algorithm confusion)", async () => {
    const t = setup();
    const secret = keyPair(t.first).publicKey;
    const input = `${b64({ alg: "HS256", typ: "at+jwt", kid: t.first.kid })}.${b64(claims())}`;
    const token = `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;

    await assert.rejects(t.verifier.verify(token), invalid);
  });

  it("refuses a header whose alg differs from the key's", async () => {
    const t = setup();
    const [, payload, signature] = t.issue().split(".");
    const header = b64({ alg: "ES256", typ: "at+jwt", kid: t.first.kid });

    await assert.rejects(t.verifier.verify(`${header}.${payload}.${signature}`), invalid);
  });

  it("never fetches a jku or x5u from a token, whatever it names", async () => {
    const t = setup();
    const stranger = generateSigningKey("EdDSA", start);
    const token = signRaw(
      stranger,
      { jku: "https://evil.test/jwks.json", x5u: "https://evil.test/cert.pem" },
      claims(),
    );

    await assert.rejects(t.verifier.verify(token), invalid);

    assert.ok(t.fetched.every((url) => url === jwksUrl));
  });

  it("fetches again at once for an unknown kid, so a key rotated in verifies", async () => {
    const t = setup();
    await t.verifier.verify(t.issue());
    const rotated = generateSigningKey("ES256", start);
    t.publish(rotated);

    const principal = await t.verifier.verify(t.issue(["me"], rotated));

    assert.equal(principal.subject, "johndoe");
    assert.equal(t.fetched.length, 2);
  });

  it("fetches at most once per cooldown however many unknown kids arrive", async () => {
    const t = setup({ unknownKeyCooldownSeconds: 10 });
    await t.verifier.verify(t.issue());
    const strangers = [1, 2, 3].map(() => generateSigningKey("EdDSA", start));

    for (const stranger of strangers) {
      await assert.rejects(t.verifier.verify(t.issue(["me"], stranger)), invalid);
    }
    t.clock.advance(10_000);
    await assert.rejects(t.verifier.verify(t.issue(["me"], strangers[0])), invalid);

    assert.equal(t.fetched.length, 3);
  });

  it("drops a key the issuer stopped publishing once its cache expires", async () => {
    const t = setup({ cacheSeconds: 60 });
    const token = signRaw(t.first, {}, claims({ exp: startSeconds + 3600 }));
    await t.verifier.verify(token);
    t.publish(generateSigningKey("EdDSA", start));
    t.unpublish(t.first.kid);

    t.clock.advance(60_000);

    await assert.rejects(t.verifier.verify(token), invalid);
  });

  it("keeps its keys when a later fetch fails", async () => {
    const t = setup({ cacheSeconds: 60 });
    const token = signRaw(t.first, {}, claims({ exp: startSeconds + 3600 }));
    await t.verifier.verify(token);
    t.answerWith(() => new Response("down", { status: 503 }));

    t.clock.advance(60_000);

    assert.equal((await t.verifier.verify(token)).subject, "johndoe");
  });

  it("retries a failing issuer once per cooldown, not on every request", async () => {
    const t = setup({ cacheSeconds: 60, unknownKeyCooldownSeconds: 10 });
    const token = signRaw(t.first, {}, claims({ exp: startSeconds + 3600 }));
    await t.verifier.verify(token);
    t.answerWith(() => new Response("down", { status: 503 }));
    t.clock.advance(60_000);

    for (let i = 0; i < 5; i++) await t.verifier.verify(token);
    t.clock.advance(10_000);
    await t.verifier.verify(token);

    assert.equal(t.fetched.length, 3);
  });

  for (const [label, respond] of [
    ["an error status", () => new Response("nope", { status: 500 })],
    ["a body that is not JSON", () => new Response("<html>")],
    ["a body without keys", () => Response.json({ nothing: [] })],
    [
      "a body over 64 KiB",
      () => new Response(JSON.stringify({ keys: [], pad: "x".repeat(70_000) })),
    ],
  ] as const) {
    it(`refuses tokens when the JWKS answers ${label}`, async () => {
      const t = setup();
      t.answerWith(respond);

      await assert.rejects(t.verifier.verify(t.issue()), invalid);
    });
  }

  it("refuses tokens when the JWKS fetch throws (a timeout, say)", async () => {
    const t = setup({
      fetch: async () => {
        throw new DOMException("timed out", "TimeoutError");
      },
    });

    await assert.rejects(t.verifier.verify(t.issue()), invalid);
  });

  it("asks for the JWKS with a timeout signal and without following redirects", async () => {
    const inits: RequestInit[] = [];
    const t = setup({
      fetch: async (_url, init) => {
        inits.push(init);
        return Response.json({ keys: [] });
      },
    });

    await assert.rejects(t.verifier.verify(t.issue()), invalid);

    assert.equal(inits[0]?.redirect, "error");
    assert.ok(inits[0]?.signal instanceof AbortSignal);
  });

  it("skips published keys it cannot use: symmetric, other curves, broken points, other algorithms", async () => {
    const es = generateSigningKey("ES256", start);
    const ed = generateSigningKey("EdDSA", start);
    const t = setup({ algorithms: ["EdDSA"] });
    t.answerWith(() =>
      Response.json({
        keys: [
          { kty: "oct", k: "c2VjcmV0", kid: "hs" },
          { kty: "EC", crv: "P-384", x: "AA", y: "AA", kid: "p384" },
          { kty: "OKP", crv: "Ed25519", x: "AA", kid: "broken" },
          { kty: "OKP", crv: "Ed25519", x: "AA", kid: "enc", use: "enc" },
          publishedJwk(es),
          publishedJwk(ed),
        ],
      }),
    );

    await assert.rejects(t.verifier.verify(t.issue(["me"], es)), invalid);
    assert.equal((await t.verifier.verify(t.issue(["me"], ed))).subject, "johndoe");
  });

  for (const token of ["", "garbage", "a.b.c", "x".repeat(5000)]) {
    it(`refuses the malformed token ${JSON.stringify(token.slice(0, 10))} without fetching`, async () => {
      const t = setup();

      await assert.rejects(t.verifier.verify(token), invalid);

      assert.deepEqual(t.fetched, []);
    });
  }

  it("shares one fetch between concurrent verifications", async () => {
    const t = setup();
    const token = t.issue();

    await Promise.all([
      t.verifier.verify(token),
      t.verifier.verify(token),
      t.verifier.verify(token),
    ]);

    assert.equal(t.fetched.length, 1);
  });

  it("gives up on a JWKS server that never answers, refusing the token instead of hanging", async () => {
    const hanging = createServer(() => {
      // Accepts the request and never answers.
    });
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const { port } = hanging.address() as AddressInfo;
    const t = setup();
    const verifier = createRemoteVerifier({
      jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      issuer,
      fetchTimeoutMs: 50,
    });

    await assert.rejects(verifier.verify(t.issue()), invalid);

    hanging.closeAllConnections();
    await new Promise((resolve) => hanging.close(resolve));
  });

  it("uses the global fetch and system clock when none is given", () => {
    const verifier = createRemoteVerifier({ jwksUrl, issuer });

    assert.equal(typeof verifier.verify, "function");
  });
});
