import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "@hono/zod-openapi";
import { maxJsonDepth, parseJsonBody, validatePart } from "./request-validation.ts";

const nested = (depth: number): string => `${"[".repeat(depth)}${"]".repeat(depth)}`;

describe("parseJsonBody", () => {
  it("parses JSON nested exactly as deep as allowed", () => {
    assert.deepEqual(parseJsonBody(nested(maxJsonDepth)).ok, true);
  });

  it("refuses JSON nested one level deeper than allowed without parsing it (issue 16)", () => {
    assert.deepEqual(parseJsonBody(nested(maxJsonDepth + 1)), {
      ok: false,
      issues: [
        {
          type: "json_invalid",
          loc: ["body"],
          msg: `JSON nested deeper than ${maxJsonDepth} levels`,
          input: null,
        },
      ],
    });
  });

  it("does not count brackets inside strings, escaped quotes included", () => {
    const text = JSON.stringify({ a: `\\"${"[".repeat(100)}`, b: "{".repeat(100) });

    assert.deepEqual(parseJsonBody(text), { ok: true, value: JSON.parse(text) });
  });

  it("answers malformed JSON with json_invalid", () => {
    assert.equal(parseJsonBody("{").ok, false);
  });
});

describe("validatePart", () => {
  const schema = z.object({ name: z.string(), tags: z.array(z.string()).optional() });

  it("refuses a NUL in a string the schema accepts, echoing it (issue 16)", () => {
    assert.deepEqual(validatePart("body", schema, { name: "a\u0000b" }), {
      ok: false,
      issues: [
        {
          type: "value_error",
          loc: ["body", "name"],
          msg: "Value must not contain a NUL character",
          input: "a\u0000b",
        },
      ],
    });
  });

  it("refuses a NUL in an array item and an object key, and never echoes a secret field", () => {
    const result = validatePart("body", z.record(z.string(), z.unknown()), {
      tags: ["ok", "\u0000"],
      "k\u0000": 1,
      password: "\u0000",
    });

    assert.equal(result.ok, false);
    const issues = result.ok ? [] : result.issues;
    assert.deepEqual(
      issues.map((issue) => [issue.loc, issue.input]).sort(),
      [
        [["body", "k\u0000"], "k\u0000"],
        [["body", "password"], null],
        [["body", "tags", 1], "\u0000"],
      ].sort(),
    );
  });

  it("keeps the schema's failures at other places beside the NUL refusal", () => {
    const result = validatePart("body", schema, { name: "\u0000", tags: [1] });

    assert.equal(result.ok, false);
    assert.deepEqual(result.ok ? [] : result.issues.map((issue) => issue.loc), [
      ["body", "name"],
      ["body", "tags", 0],
    ]);
  });
});
