// A start-up failure whose cause is known, and the one line an entry point prints for any failure.

/**
 * The process cannot start for a reason outside it — the port is taken, the database cannot be
 * reached or written — and `message` says which, naming the setting to change, in one line that
 * holds no password. Entry points print it alone and exit 1; the original error is the `cause`.
 */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

/** Whether `error` is a {@link StartupError}. */
export function isStartupError(error: unknown): error is StartupError {
  return error instanceof StartupError;
}

/** The first `code` (a string, as Node's and pg's errors have) along `error`'s cause chain. */
export function errorCode(error: unknown): string | undefined {
  for (let at = error, depth = 0; at instanceof Error && depth < 8; depth++) {
    if ("code" in at && typeof at.code === "string") return at.code;
    at = at.cause;
  }
  return undefined;
}

/**
 * What an entry point prints when starting failed, without the `gatehouse: ` prefix: the
 * {@link StartupError}'s own line, or a short description of an unexpected error with a hint to
 * rerun at the debug log level. With `debug`, the stack of the original error follows.
 */
export function describeStartupFailure(
  error: unknown,
  options: { readonly debug: boolean },
): string {
  const known = isStartupError(error);
  const line = known ? error.message : `unexpected error: ${firstLine(error)}`;
  if (!options.debug) {
    return known ? line : `${line} (rerun with GATEHOUSE_LOG_LEVEL=debug for the stack)`;
  }
  const original = known ? error.cause : error;
  return original instanceof Error && original.stack !== undefined
    ? `${line}\n${original.stack}`
    : line;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n", 1)[0] ?? "";
}
