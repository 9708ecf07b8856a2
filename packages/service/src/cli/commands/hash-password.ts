// `gatehouse hash-password`: the argon2id PHC string of a password, e.g. for a seed file.
import { assertAcceptablePassword } from "gatehouse-auth-core/passwords/hasher";
import { createPasswordPolicy } from "gatehouse-auth-core/passwords/password-policy";
import { parseCommandArgs } from "../arguments.ts";
import type { CommandDeps } from "../command.ts";
import type { CliIo } from "../io.ts";

/**
 * Reads a password through `io` (asking twice on a terminal) and prints its argon2id PHC hash.
 * The password must meet the same policy as the admin API's (GATEHOUSE_PASSWORD_MIN_LENGTH and
 * the common-password list): a hash made here ends up as a user's password, where nothing can
 * check it any more. Needs no database.
 * @throws {UsageError} when given any argument
 * @throws {AuthError} invalid_request when the password is empty, too long or holds a NUL
 * @throws {AuthError} weak_password when the password policy refuses it
 * @throws {RangeError} when the environment's settings are invalid
 */
export async function runHashPasswordCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  parseCommandArgs(args, {}, { min: 0, max: 0 });
  const policy = createPasswordPolicy({ minLength: deps.settings().passwordMinLength });
  const password = await io.readPassword("Password: ", { confirm: true });
  assertAcceptablePassword(password);
  policy.check(password);
  io.stdout(`${await deps.hasher().hash(password)}\n`);
  return 0;
}
