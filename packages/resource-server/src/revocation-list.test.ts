import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RemotePrincipal } from "./remote-verifier.ts";
import { createRevocationList } from "./revocation-list.ts";

const start = Date.UTC(2026, 0, 1);
const day = 86_400_000;
const invalid = { name: "AuthError", code: "token_invalid" } as const;

/** A verified principal as the verifier gives it: what the list reads is `sub`, `jti`, `iat`. */
function principal(subject: string, issuedAtMs: number, jti = "jti-1"): RemotePrincipal {
  const iat = Math.floor(issuedAtMs / 1000);
  return {
    subject,
    scopes: [],
    claims: {
      iss: "https://gatehouse.test",
      sub: subject,
      exp: iat + 60,
      iat,
      iat_ms: issuedAtMs,
      jti,
    },
  };
}

describe("revocation list", () => {
  it("refuses a revoked token id and accepts another", () => {
    const list = createRevocationList(day);

    list.apply({
      kind: "access_token_revoked",
      sequence: 1,
      at: start,
      tokenId: "jti-1",
      expiresAt: start + 60_000,
    });

    assert.throws(() => list.check(principal("johndoe", start, "jti-1")), invalid);
    assert.doesNotThrow(() => list.check(principal("johndoe", start, "jti-2")));
  });

  it("refuses a token issued before its subject's cut-off, to the millisecond", () => {
    const list = createRevocationList(day);

    list.apply({
      kind: "user_changed",
      sequence: 1,
      at: start,
      username: "johndoe",
      disabled: false,
      tokensValidAfter: start + 500,
    });

    assert.throws(() => list.check(principal("johndoe", start + 499)), invalid);
    assert.doesNotThrow(() => list.check(principal("johndoe", start + 500)));
    assert.doesNotThrow(() => list.check(principal("alice", start)));
  });

  it("refuses every token of a disabled subject as an inactive user", () => {
    const list = createRevocationList(day);

    list.apply({
      kind: "user_changed",
      sequence: 1,
      at: start,
      username: "johndoe",
      disabled: true,
      tokensValidAfter: start,
    });

    assert.throws(() => list.check(principal("johndoe", start + 10_000)), {
      name: "AuthError",
      code: "inactive_user",
    });
  });

  it("accepts a subject enabled again, for tokens after its cut-off", () => {
    const list = createRevocationList(day);
    const base = { kind: "user_changed", username: "johndoe", tokensValidAfter: start } as const;

    list.apply({ ...base, sequence: 1, at: start, disabled: true });
    list.apply({ ...base, sequence: 2, at: start + 5, disabled: false });

    assert.doesNotThrow(() => list.check(principal("johndoe", start + 10)));
  });

  it("refuses every token of a deleted subject", () => {
    const list = createRevocationList(day);

    list.apply({ kind: "user_deleted", sequence: 1, at: start, username: "johndoe" });

    assert.throws(() => list.check(principal("johndoe", start + 10_000)), invalid);
  });

  it("keeps refusing tokens of a deleted account after the name is created again", () => {
    const list = createRevocationList(day);

    list.apply({ kind: "user_deleted", sequence: 1, at: start + 100, username: "johndoe" });
    list.apply({
      kind: "user_changed",
      sequence: 2,
      at: start + 200,
      username: "johndoe",
      disabled: false,
      tokensValidAfter: null,
    });

    assert.throws(() => list.check(principal("johndoe", start + 50)), invalid);
    assert.doesNotThrow(() => list.check(principal("johndoe", start + 300)));
  });

  it("refuses every token issued before a gap in the stream", () => {
    const list = createRevocationList(day);

    list.apply({ kind: "feed_gap", sequence: 5, at: start, tokensValidAfter: start });

    assert.throws(() => list.check(principal("anyone", start - 1)), invalid);
    assert.doesNotThrow(() => list.check(principal("anyone", start)));
  });

  it("refuses a token without iat once any cut-off applies to it", () => {
    const list = createRevocationList(day);
    list.apply({ kind: "feed_gap", sequence: 5, at: start, tokensValidAfter: start });
    const { iat: _iat, iat_ms: _ms, ...claims } = principal("johndoe", start).claims;

    assert.throws(() => list.check({ subject: "johndoe", scopes: [], claims }), invalid);
  });

  it("forgets a revoked id once its token has expired, and a subject once its tokens have", () => {
    const list = createRevocationList(day);
    list.apply({
      kind: "access_token_revoked",
      sequence: 1,
      at: start,
      tokenId: "a",
      expiresAt: start + 1000,
    });
    list.apply({ kind: "user_deleted", sequence: 2, at: start, username: "johndoe" });

    list.sweep(start + 1000);
    const afterToken = list.size();
    list.sweep(start + day + 1);

    assert.deepEqual(afterToken, { tokens: 0, subjects: 1 });
    assert.deepEqual(list.size(), { tokens: 0, subjects: 0 });
  });
});
