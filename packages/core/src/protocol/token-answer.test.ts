import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seedScopes } from "../../../../test/fixtures/seed-scopes.ts";
import { systemClock } from "../clock.ts";
import { createTokenService } from "../tokens/tokens.ts";
import { tokenAnswer } from "./token-answer.ts";

const tokens = createTokenService({
  key: { kid: "test", algorithm: "HS256", secret: Buffer.alloc(32, 7) },
  scopes: seedScopes,
  clock: systemClock,
});
const issued = tokens.issue("johndoe", seedScopes.all);

describe("tokenAnswer", () => {
  it("answers 200 with the RFC 6749 §5.1 body and forbids caching", () => {
    const answer = tokenAnswer({ ...issued, refreshToken: "r".repeat(43) });

    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      access_token: issued.token,
      token_type: "bearer",
      expires_in: 1800,
      scope: "me items",
      refresh_token: "r".repeat(43),
    });
    assert.deepEqual(answer.headers, { "Cache-Control": "no-store", Pragma: "no-cache" });
  });

  it("leaves refresh_token out when no refresh token was issued", () => {
    assert.equal("refresh_token" in tokenAnswer(issued).body, false);
  });
});
