import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createFixedClock } from "gatehouse-auth-core/clock";
import {
  generateSigningKey,
  publishedJwk,
  toTokenKey,
} from "gatehouse-auth-core/keys/key-material";
import { createScopeCatalogue, seedScopeDescriptions } from "gatehouse-auth-core/scopes";
import { createTokenService } from "gatehouse-auth-core/tokens/tokens";
import type { TokenRefusal } from "./guard-outcome.ts";
import { guardRequest } from "./guard-outcome.ts";
import { createRemoteVerifier } from "./remote-verifier.ts";

const start = Date.UTC(2025, 0, 1);
const issuer = "https://gatehouse.test";
const audience = "https://api.test";
const scopes = createScopeCatalogue(seedScopeDescriptions);
const key = generateSigningKey("EdDSA", start);
const stranger = generateSigningKey("EdDSA", start);
const me = scopes.check(["me"]);

/** A token from a token service configured by `options`, signed with the published key by default. */
function tokenFrom(
  options: { issuer?: string; audience?: string; at?: number; key?: typeof key } = {},
): string {
  const tokens = createTokenService({
    key: toTokenKey(options.key ?? key),
    scopes,
    clock: createFixedClock(options.at ?? start),
    issuer: options.issuer ?? issuer,
    audience: options.audience ?? audience,
  });
  return `Bearer ${tokens.issue("johndoe", me).token}`;
}

function guard(options: { at?: number } = {}) {
  return createRemoteVerifier({
    jwksUrl: "https://gatehouse.test/.well-known/jwks.json",
    issuer,
    audience,
    clock: createFixedClock(options.at ?? start),
    fetch: async () => Response.json({ keys: [publishedJwk(key)] }),
  });
}

async function challengeFor(authorization: string, at?: number): Promise<string | undefined> {
  const outcome = await guardRequest(guard(at === undefined ? {} : { at }), authorization, []);
  assert.equal(outcome.kind, "refused");
  return outcome.kind === "refused" ? outcome.answer.headers["WWW-Authenticate"] : undefined;
}

describe("the guard's refusals", () => {
  it("names the expected issuer when the token's does not match", async () => {
    const challenge = await challengeFor(tokenFrom({ issuer: "https://evil.test" }));

    assert.equal(
      challenge,
      'Bearer error="invalid_token", error_description="token issuer does not match: expected https://gatehouse.test"',
    );
  });

  it("names the expected audience when the token is not for it", async () => {
    const challenge = await challengeFor(tokenFrom({ audience: "https://other.test" }));

    assert.match(
      challenge ?? "",
      /error_description="token audience does not match: expected https:\/\/api\.test"/,
    );
  });

  it("says a token has expired", async () => {
    const challenge = await challengeFor(tokenFrom(), start + 3600 * 1000);

    assert.match(challenge ?? "", /error="invalid_token", error_description="token has expired"/);
  });

  it("says a token names a key the issuer does not publish", async () => {
    const challenge = await challengeFor(tokenFrom({ key: stranger }));

    assert.match(challenge ?? "", /error_description="token names no signing key/);
  });

  it("says a token whose signature does not verify failed the signature checks", async () => {
    const token = tokenFrom();
    const tampered = `${token.slice(0, -4)}${token.endsWith("AAAA") ? "BBBB" : "AAAA"}`;

    const challenge = await challengeFor(tampered);

    assert.match(challenge ?? "", /error_description="token failed signature or format checks"/);
  });

  it("says a token is issued in the future", async () => {
    const challenge = await challengeFor(tokenFrom({ at: start + 600 * 1000 }));

    assert.match(challenge ?? "", /error_description="token is issued in the future"/);
  });

  it("describes nothing to a request without credentials (RFC 6750 §3.1)", async () => {
    const outcome = await guardRequest(guard(), undefined, ["me"]);

    assert.equal(
      outcome.kind === "refused" && outcome.answer.headers["WWW-Authenticate"],
      "Bearer",
    );
  });

  it("answers a bare invalid_token when descriptions are off, and still reports the reason", async () => {
    const refusals: TokenRefusal[] = [];

    const outcome = await guardRequest(guard(), tokenFrom({ issuer: "https://evil.test" }), [], {
      describeRefusals: false,
      onRefused: (refusal) => refusals.push(refusal),
    });

    assert.equal(
      outcome.kind === "refused" && outcome.answer.headers["WWW-Authenticate"],
      'Bearer error="invalid_token"',
    );
    assert.deepEqual(refusals, [
      {
        code: "token_invalid",
        reason: "token issuer does not match: expected https://gatehouse.test",
      },
    ]);
  });
});
