import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createEventStreamParser, type EventStreamItem } from "./event-stream-parser.ts";

function parse(...chunks: string[]): EventStreamItem[] {
  const items: EventStreamItem[] = [];
  const parser = createEventStreamParser((item) => items.push(item));
  for (const chunk of chunks) parser.push(chunk);
  return items;
}

describe("event stream parser", () => {
  it("reads an event with its id, type and data", () => {
    assert.deepEqual(parse("id: 7\nevent: set\ndata: a.b.c\n\n"), [
      { kind: "event", event: "set", data: "a.b.c", id: "7" },
    ]);
  });

  it("reads an event split across chunks anywhere, CRLF included", () => {
    assert.deepEqual(parse("id: 1\r", "\nevent: se", "t\r\ndata: x\r\n", "\r\n"), [
      { kind: "event", event: "set", data: "x", id: "1" },
    ]);
  });

  it("reads comments and the retry field", () => {
    assert.deepEqual(parse("retry: 1000\n\n: current\n\n"), [
      { kind: "retry", ms: 1000 },
      { kind: "comment" },
    ]);
  });

  it("joins data lines with a line feed and names an untyped event message", () => {
    assert.deepEqual(parse("data: a\ndata: b\n\n"), [
      { kind: "event", event: "message", data: "a\nb", id: undefined },
    ]);
  });

  it("keeps the last id for later events and ignores one holding NUL", () => {
    const items = parse("id: 1\ndata: a\n\nid: 2\u0000\ndata: b\n\n");

    assert.deepEqual(
      items.map((item) => (item.kind === "event" ? item.id : null)),
      ["1", "1"],
    );
  });

  it("dispatches nothing for an event without data", () => {
    assert.deepEqual(parse("id: 3\nevent: set\n\n"), []);
  });

  it("refuses a line that never ends", () => {
    assert.throws(() => parse("data: ".padEnd(70_000, "x")), RangeError);
  });
});
