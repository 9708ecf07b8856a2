import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadSettings } from "./config.ts";

const secret = "k".repeat(32);

describe("loadSettings: GATEHOUSE_SIGNING_ALGORITHM", () => {
  it("generates EdDSA keys on a new install by default", () => {
    assert.equal(loadSettings({}).signingAlgorithm, "EdDSA");
  });

  for (const algorithm of ["EdDSA", "ES256", "HS256"] as const) {
    it(`reads ${algorithm}`, () => {
      assert.equal(
        loadSettings({ GATEHOUSE_SIGNING_ALGORITHM: algorithm }).signingAlgorithm,
        algorithm,
      );
    });
  }

  it("treats an empty value as unset", () => {
    assert.equal(loadSettings({ GATEHOUSE_SIGNING_ALGORITHM: "" }).signingAlgorithm, "EdDSA");
  });

  for (const algorithm of ["RS256", "none", "eddsa", "HS512"]) {
    it(`refuses ${algorithm} with a RangeError`, () => {
      assert.throws(() => loadSettings({ GATEHOUSE_SIGNING_ALGORITHM: algorithm }), RangeError);
    });
  }

  it("signs HS256 with a configured GATEHOUSE_JWT_SECRET", () => {
    const settings = loadSettings({ GATEHOUSE_JWT_SECRET: secret });

    assert.equal(settings.signingAlgorithm, "HS256");
  });

  it("accepts GATEHOUSE_SIGNING_ALGORITHM=HS256 beside a secret", () => {
    const settings = loadSettings({
      GATEHOUSE_JWT_SECRET: secret,
      GATEHOUSE_SIGNING_ALGORITHM: "HS256",
    });

    assert.equal(settings.signingAlgorithm, "HS256");
  });

  it("refuses an asymmetric algorithm beside a secret, without echoing the secret", () => {
    assert.throws(
      () => loadSettings({ GATEHOUSE_JWT_SECRET: secret, GATEHOUSE_SIGNING_ALGORITHM: "EdDSA" }),
      (error: unknown) => error instanceof RangeError && !error.message.includes(secret),
    );
  });
});
