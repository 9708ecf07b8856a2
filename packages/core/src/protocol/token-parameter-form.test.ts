import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseTokenParameterForm } from "./token-parameter-form.ts";

const form = "application/x-www-form-urlencoded";

describe("parseTokenParameterForm", () => {
  it("reads the token of a form that sends it once", () => {
    const parsed = parseTokenParameterForm("token=abc.def&token_type_hint=access_token", form);

    assert.deepEqual(parsed, { kind: "token", token: "abc.def" });
  });

  it("accepts a form content type with parameters, in any case", () => {
    const parsed = parseTokenParameterForm(
      "token=abc",
      "Application/X-WWW-Form-Urlencoded; charset=utf-8",
    );

    assert.equal(parsed.kind, "token");
  });

  it("refuses a body without a content type", () => {
    assert.deepEqual(parseTokenParameterForm("token=abc", undefined), { kind: "invalid" });
  });

  it("refuses an empty token", () => {
    assert.deepEqual(parseTokenParameterForm("token=", form), { kind: "invalid" });
  });

  it("never throws, and yields a token only when `token` appears exactly once and no name repeats", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("token", "token_type_hint", "x"), fc.string()), {
          maxLength: 5,
        }),
        (pairs) => {
          const body = new URLSearchParams(pairs).toString();

          const parsed = parseTokenParameterForm(body, form);

          const names = pairs.map(([name]) => name);
          const tokens = pairs.filter(([name]) => name === "token");
          const expectToken =
            new Set(names).size === names.length &&
            tokens.length === 1 &&
            (tokens[0]?.[1] ?? "") !== "" &&
            (tokens[0]?.[1] ?? "").length <= 4096;
          assert.equal(parsed.kind === "token", expectToken);
          if (parsed.kind === "token") assert.equal(parsed.token, tokens[0]?.[1]);
        },
      ),
    );
  });
});
