// Parsing a command's arguments, and the error that says the command line itself was wrong.
import { type ParseArgsOptionsConfig, parseArgs } from "node:util";

/** The command line is malformed: an unknown command or flag, a missing or extra argument. Exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

type Parsed<Options extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: Options; strict: true; allowPositionals: true }>
>;

/** The result of {@link parseCommandArgs}: the flags by name and the positional arguments. */
export interface ParsedArgs<Options extends ParseArgsOptionsConfig> {
  readonly values: Parsed<Options>["values"];
  readonly positionals: readonly string[];
}

/**
 * Parses `args` strictly against `options` with `node:util` `parseArgs`.
 * @throws {UsageError} for an unknown flag, a flag missing its value, or a wrong number of
 * positional arguments
 */
export function parseCommandArgs<Options extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: Options,
  positionals: { readonly min: number; readonly max: number },
): ParsedArgs<Options> {
  let parsed: Parsed<Options>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    if (isParseArgsError(error)) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError("missing argument");
  if (count > positionals.max) {
    throw new UsageError(`unexpected argument: ${parsed.positionals[positionals.max] ?? ""}`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

function isParseArgsError(error: unknown): error is Error {
  return (
    error instanceof TypeError &&
    "code" in error &&
    typeof error.code === "string" &&
    error.code.startsWith("ERR_PARSE_ARGS_")
  );
}
