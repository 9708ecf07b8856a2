// The CLI's terminal: output streams, and password entry that never touches argv or echoes.
import { AuthError } from "gatehouse-auth-core/errors";

/** How a command reads and writes; tests pass a captured one. */
export interface CliIo {
  /** Writes `text` to standard output as is (callers end lines with `\n`). */
  stdout(text: string): void;
  /** Writes `text` to standard error as is. */
  stderr(text: string): void;
  /**
   * Reads one password. With `confirm`, an interactive terminal asks twice and the two entries
   * must match.
   * @throws {AuthError} invalid_request when the entries differ or entry is cancelled
   */
  readPassword(prompt: string, options?: { readonly confirm?: boolean }): Promise<string>;
  /** Whether standard output is a terminal, where logs are written as text rather than JSON. */
  readonly stdoutIsTerminal?: boolean;
}

/** The standard input a {@link CliIo} reads from: a terminal has `isTTY` and `setRawMode`. */
interface PasswordInput extends AsyncIterable<string | Buffer> {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  resume(): unknown;
  pause(): unknown;
  on(event: "data", listener: (chunk: string) => void): unknown;
  off(event: "data", listener: (chunk: string) => void): unknown;
}

/** The process streams a {@link CliIo} is built on; `process` itself by default. */
export interface ProcessStreams {
  readonly stdin: PasswordInput;
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
}

/**
 * Creates the {@link CliIo} of a real process. On a terminal, passwords are typed at a prompt
 * (on stderr, so stdout stays clean for piping) with echo turned off; otherwise the password is
 * the first line of standard input, without its line ending.
 */
export function createProcessIo(streams: ProcessStreams = process): CliIo {
  const write = (text: string): void => {
    streams.stderr.write(text);
  };
  return {
    stdout(text) {
      streams.stdout.write(text);
    },
    stdoutIsTerminal: streams.stdout.isTTY === true,
    stderr: write,
    async readPassword(prompt, options = {}) {
      const { stdin } = streams;
      if (stdin.isTTY !== true || stdin.setRawMode === undefined) return readFirstLine(stdin);
      const first = await readHidden(stdin, prompt, write);
      if (options.confirm !== true) return first;
      const second = await readHidden(stdin, "Repeat to confirm: ", write);
      if (first !== second) throw new AuthError("invalid_request", "the passwords do not match");
      return first;
    },
  };
}

async function readFirstLine(input: PasswordInput): Promise<string> {
  let text = "";
  // Stops at the first newline rather than waiting for EOF, so an open pipe cannot hang the CLI.
  for await (const chunk of input) {
    text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    if (text.includes("\n")) break;
  }
  const end = text.indexOf("\n");
  const line = end === -1 ? text : text.slice(0, end);
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

const enter = new Set(["\r", "\n", "\u0004"]);
const erase = new Set(["\u007f", "\b"]);
const interrupt = "\u0003";

function readHidden(
  input: PasswordInput,
  prompt: string,
  write: (text: string) => void,
): Promise<string> {
  write(prompt);
  input.setRawMode?.(true);
  input.setEncoding("utf8");
  input.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (): void => {
      input.off("data", onData);
      input.setRawMode?.(false);
      input.pause();
      write("\n");
    };
    const onData = (chunk: string): void => {
      for (const character of chunk) {
        if (enter.has(character)) {
          finish();
          resolve(value);
          return;
        }
        if (character === interrupt) {
          finish();
          reject(new AuthError("invalid_request", "password entry was cancelled"));
          return;
        }
        value = erase.has(character) ? Array.from(value).slice(0, -1).join("") : value + character;
      }
    };
    input.on("data", onData);
  });
}
