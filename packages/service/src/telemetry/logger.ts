// Structured JSON log lines on one stream. Callers pass facts, never tokens, passwords or hashes.

/** Log severities, lowest first; `silent` logs nothing. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** A minimal structured logger. */
export interface Logger {
  debug(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
}

const rank = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const satisfies Record<
  LogLevel,
  number
>;

/** Creates a logger writing one JSON object per line to `write` (stdout by default). */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  const at =
    (severity: Exclude<LogLevel, "silent">) =>
    (msg: string, fields: Readonly<Record<string, unknown>> = {}): void => {
      if (rank[severity] < rank[level]) return;
      write(
        `${JSON.stringify({ time: new Date().toISOString(), level: severity, msg, ...fields })}\n`,
      );
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A logger that drops everything, for tests and tools. */
export const silentLogger: Logger = createLogger("silent");

/** A logger that adds `fields` to every line, e.g. the worker a cluster process is. */
export function withFields(logger: Logger, fields: Readonly<Record<string, unknown>>): Logger {
  const at =
    (severity: keyof Logger) =>
    (msg: string, more: Readonly<Record<string, unknown>> = {}): void =>
      logger[severity](msg, { ...fields, ...more });
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
