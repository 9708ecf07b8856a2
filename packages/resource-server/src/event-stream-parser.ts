// Reading a text/event-stream (the WHATWG server-sent events format) as it arrives, chunk by chunk.

/** One thing a server-sent event stream said. */
export type EventStreamItem =
  /** A dispatched event: `id` is the last event id in force (`undefined` before any). */
  | {
      readonly kind: "event";
      readonly event: string;
      readonly data: string;
      readonly id: string | undefined;
    }
  /** A comment line (`: …`): a heartbeat. */
  | { readonly kind: "comment" }
  /** A `retry:` field: the reconnection time the server asks for, in ms. */
  | { readonly kind: "retry"; readonly ms: number };

/** Feeds text in, calls back with every complete item. */
export interface EventStreamParser {
  push(text: string): void;
}

/** The longest line accepted; a stream sending a longer one is broken or hostile. */
const maxLineLength = 64 * 1024;

/**
 * Creates a parser calling `onItem` for each event, comment and retry field, as the WHATWG
 * "interpret an event stream" steps say: lines end in CRLF, LF or CR; one space after the colon
 * is dropped; `data` lines join with LF; an event with no data is not dispatched; an `id`
 * holding NUL is ignored.
 * @throws {RangeError} when a line grows past 64 KiB without ending
 */
export function createEventStreamParser(
  onItem: (item: EventStreamItem) => void,
): EventStreamParser {
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let lastId: string | undefined;

  const line = (text: string): void => {
    if (text === "") {
      if (data.length > 0) {
        onItem({
          kind: "event",
          event: event === "" ? "message" : event,
          data: data.join("\n"),
          id: lastId,
        });
      }
      event = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) {
      onItem({ kind: "comment" });
      return;
    }
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        event = value;
        break;
      case "data":
        data.push(value);
        break;
      case "id":
        if (!value.includes("\u0000")) lastId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) onItem({ kind: "retry", ms: Number(value) });
        break;
    }
  };

  return {
    push(text) {
      buffer += text;
      for (;;) {
        const end = buffer.search(/\r\n|\r|\n/);
        if (end === -1) break;
        // A CR at the very end may be the first half of a CRLF still on its way.
        if (buffer[end] === "\r" && end === buffer.length - 1) break;
        const width = buffer.startsWith("\r\n", end) ? 2 : 1;
        line(buffer.slice(0, end));
        buffer = buffer.slice(end + width);
      }
      if (buffer.length > maxLineLength) throw new RangeError("event stream line too long");
    },
  };
}
