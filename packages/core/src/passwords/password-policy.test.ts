import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isAuthError } from "../errors.ts";
import { createPasswordPolicy, defaultMinPasswordLength } from "./password-policy.ts";

describe("createPasswordPolicy", () => {
  it("asks for 15 characters by default, NIST SP 800-63B-4's minimum for a single factor", () => {
    const policy = createPasswordPolicy();

    assert.equal(defaultMinPasswordLength, 15);
    assert.equal(policy.minLength, 15);
    assert.equal(policy.problem("x"), "must be at least 15 characters");
    assert.equal(policy.problem("an uncommon pass"), undefined);
  });

  it("counts characters as Unicode code points, not UTF-16 units or bytes", () => {
    const policy = createPasswordPolicy({ minLength: 8, commonPasswords: () => new Set() });

    assert.equal(policy.problem("🔑🔑🔑🔑🔑🔑🔑"), "must be at least 8 characters");
    assert.equal(policy.problem("🔑🔑🔑🔑🔑🔑🔑🔑"), undefined);
  });

  it("refuses a password on the shipped common-password list whatever its case", () => {
    const policy = createPasswordPolicy({ minLength: 8 });

    for (const password of ["password", "PASSWORD", "iloveyou", "qwertyuiop", "1qaz2wsx"]) {
      assert.equal(policy.problem(password), "is a commonly used password; choose another");
    }
    assert.equal(policy.problem("correct horse battery staple"), undefined);
  });

  it("sets no composition rules: lower-case letters and spaces alone pass", () => {
    assert.equal(createPasswordPolicy().problem("just lower case words"), undefined);
  });

  it("loads the common-password list only when a password is first checked", () => {
    let loads = 0;
    const policy = createPasswordPolicy({
      commonPasswords: () => {
        loads++;
        return new Set(["averyverylongpassword"]);
      },
    });
    assert.equal(loads, 0);

    policy.problem("AVeryVeryLongPassword");
    policy.problem("another long password");

    assert.equal(loads, 1);
  });

  it("throws weak_password from check, naming the reason but never the password", () => {
    const policy = createPasswordPolicy();

    assert.throws(
      () => policy.check("hunter2"),
      (error: unknown) =>
        isAuthError(error, "weak_password") &&
        error.message === "the password must be at least 15 characters",
    );
    assert.doesNotThrow(() => policy.check("an uncommon passphrase"));
  });

  it("refuses a minimum outside 1 to 64", () => {
    for (const minLength of [0, 65, 8.5]) {
      assert.throws(() => createPasswordPolicy({ minLength }), RangeError);
    }
  });
});
