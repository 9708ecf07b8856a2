import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isCodeVerifier, s256CodeChallenge, verifiesCodeChallenge } from "./pkce.ts";

// RFC 7636 Appendix B's example.
const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

describe("PKCE S256", () => {
  it("computes RFC 7636 Appendix B's challenge", () => {
    assert.equal(s256CodeChallenge(verifier), challenge);
  });

  it("accepts the verifier of a challenge", () => {
    assert.equal(verifiesCodeChallenge(verifier, challenge), true);
  });

  it("refuses another verifier, the challenge itself, and the plain method's equality", () => {
    assert.equal(verifiesCodeChallenge(`${verifier.slice(0, -1)}Y`, challenge), false);
    assert.equal(verifiesCodeChallenge(challenge, challenge), false);
  });

  it("refuses verifiers outside RFC 7636's length and alphabet", () => {
    for (const bad of [
      "a".repeat(42),
      "a".repeat(129),
      `${"a".repeat(42)}+`,
      `${"a".repeat(42)} `,
    ]) {
      assert.equal(isCodeVerifier(bad), false, bad);
      assert.equal(verifiesCodeChallenge(bad, s256CodeChallenge(bad)), false, bad);
    }
    assert.equal(isCodeVerifier("a".repeat(43)), true);
    assert.equal(isCodeVerifier(`${"a".repeat(124)}-._~`), true);
  });

  it("refuses a malformed challenge", () => {
    assert.equal(verifiesCodeChallenge(verifier, `${challenge}=`), false);
    assert.equal(verifiesCodeChallenge(verifier, ""), false);
  });
});
