import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCsv } from "./csv.ts";

describe("parseCsv", () => {
  it("reads rows keyed by the header, with quoted commas, doubled quotes and CRLF", () => {
    const rows = parseCsv('\uFEFFname,note\r\n"Doe, Jane","say ""hi"""\r\nbob,plain\r\n');

    assert.deepEqual(rows, [
      { name: "Doe, Jane", note: 'say "hi"' },
      { name: "bob", note: "plain" },
    ]);
  });

  it("skips empty lines, leaves missing cells absent and reads a last line without a newline", () => {
    assert.deepEqual(parseCsv("a,b\n\nx\ny,z"), [{ a: "x" }, { a: "y", b: "z" }]);
  });

  it("keeps a quoted newline inside its field", () => {
    assert.deepEqual(parseCsv('a\n"one\ntwo"\n'), [{ a: "one\ntwo" }]);
  });

  it("gives nothing for an empty file", () => {
    assert.deepEqual(parseCsv(""), []);
  });

  it("refuses a quoted field that is never closed", () => {
    assert.throws(() => parseCsv('a\n"open'), SyntaxError);
  });
});
