import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { describe, it } from "node:test";
import { type CliIo, createProcessIo } from "./io.ts";

interface Terminal {
  readonly io: CliIo;
  readonly stdout: string;
  readonly stderr: string;
  readonly rawModes: readonly boolean[];
}

/** A fake terminal that types each entry once the prompt before it has been written. */
function createTerminal(entries: readonly string[]): Terminal {
  const queue = [...entries];
  const rawModes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode(mode: boolean): void {
      rawModes.push(mode);
    },
  });
  let stdout = "";
  let stderr = "";
  const io = createProcessIo({
    stdin,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: {
      write(text: string): void {
        stderr += text;
        // A prompt ends with ": "; the user types only after seeing it.
        const next = text.endsWith(": ") ? queue.shift() : undefined;
        if (next !== undefined) stdin.write(next);
      },
    },
  });
  return {
    io,
    get stdout(): string {
      return stdout;
    },
    get stderr(): string {
      return stderr;
    },
    rawModes,
  };
}

function pipedIo(chunks: readonly string[]): CliIo {
  const sink = { write: (): boolean => true };
  return createProcessIo({ stdin: Readable.from(chunks), stdout: sink, stderr: sink });
}

describe("createProcessIo", () => {
  it("reads a piped password as the first line of stdin without its CRLF", async () => {
    const io = pipedIo(["s3cret\r", "\nsecond line\n"]);

    assert.equal(await io.readPassword("Password: "), "s3cret");
  });

  it("reads a piped password without a trailing newline as all of stdin", async () => {
    const io = pipedIo(["s3cret"]);

    assert.equal(await io.readPassword("Password: ", { confirm: true }), "s3cret");
  });

  it("reads a terminal password with echo off and the prompt on stderr", async () => {
    const terminal = createTerminal(["hunter2\r"]);

    const password = await terminal.io.readPassword("Password: ");

    assert.equal(password, "hunter2");
    assert.equal(terminal.stderr, "Password: \n");
    assert.equal(terminal.stdout, "");
    assert.deepEqual(terminal.rawModes, [true, false]);
  });

  it("asks twice on a terminal when the password is new", async () => {
    const terminal = createTerminal(["hunter2\r", "hunter2\n"]);

    const password = await terminal.io.readPassword("Password: ", { confirm: true });

    assert.equal(password, "hunter2");
    assert.equal(terminal.stderr, "Password: \nRepeat to confirm: \n");
  });

  it("refuses two terminal entries that differ", async () => {
    const terminal = createTerminal(["hunter2\r", "hunter3\r"]);

    await assert.rejects(terminal.io.readPassword("Password: ", { confirm: true }), {
      name: "AuthError",
      code: "invalid_request",
    });
  });

  it("lets backspace erase the last character typed", async () => {
    const terminal = createTerminal(["huntex\u007fr2\r"]);

    assert.equal(await terminal.io.readPassword("Password: "), "hunter2");
  });

  it("cancels the entry on Ctrl-C", async () => {
    const terminal = createTerminal(["hun\u0003"]);

    await assert.rejects(terminal.io.readPassword("Password: "), {
      name: "AuthError",
      code: "invalid_request",
    });
  });

  it("writes stdout and stderr text unchanged", () => {
    const terminal = createTerminal([]);

    terminal.io.stdout("out\n");
    terminal.io.stderr("err\n");

    assert.equal(terminal.stdout, "out\n");
    assert.equal(terminal.stderr, "err\n");
  });
});
