// `gatehouse hash-password`: the argon2id PHC string of a password, e.g. for a seed file.
import { assertAcceptablePassword } from "gatehouse-auth-core/passwords/hasher";
import { parseCommandArgs } from "../arguments.ts";
import type { CommandDeps } from "../command.ts";
import type { CliIo } from "../io.ts";

/**
 * Reads a password through `io` (asking twice on a terminal) and prints its argon2id PHC hash.
 * Needs no database and no configuration.
 * @throws {UsageError} when given any argument
 * @throws {AuthError} invalid_request when the password is empty, too long or holds a NUL
 */
export async function runHashPasswordCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  parseCommandArgs(args, {}, { min: 0, max: 0 });
  const password = await io.readPassword("Password: ", { confirm: true });
  assertAcceptablePassword(password);
  io.stdout(`${await deps.hasher().hash(password)}\n`);
  return 0;
}
