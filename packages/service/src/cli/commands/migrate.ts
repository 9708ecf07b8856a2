// `gatehouse migrate`: bring the database schema up to date without starting the server.
import { describeDatabase } from "../../service/config.ts";
import { parseCommandArgs } from "../arguments.ts";
import type { CommandDeps } from "../command.ts";
import type { CliIo } from "../io.ts";

/**
 * Opens the configured store, which applies every pending migration, and reports the result,
 * naming any accounts whose usernames differ only by case (kept from before usernames were unique
 * in their canonical form) for the operator to resolve. Safe to run while servers use the same
 * database: each migration runs exactly once.
 * @throws {UsageError} when given any argument
 * @throws {RangeError} when the configuration is invalid
 */
export async function runMigrateCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  parseCommandArgs(args, {}, { min: 0, max: 0 });
  // Only compose.ts chooses adapters, and opening a store through it migrates; so this command
  // opens the services and reports the schema as current.
  const services = await deps.services();
  io.stdout(`schema is up to date (${describeDatabase(services.settings.database)})\n`);
  for (const group of await services.store.users.findCaseCollisions()) {
    io.stdout(`usernames differing only by case: ${group.join(", ")}\n`);
  }
  return 0;
}
