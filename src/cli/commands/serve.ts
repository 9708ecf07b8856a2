// `gatehouse serve`: run the HTTP service until SIGINT or SIGTERM.
import { createLogger } from "../../logger.ts";
import { parseCommandArgs } from "../arguments.ts";
import type { CommandDeps } from "../command.ts";
import type { CliIo } from "../io.ts";

/**
 * Starts the HTTP service with the environment's settings, logging JSON lines to stdout, and
 * closes it cleanly when the process is asked to stop.
 * @throws {UsageError} when given any argument
 * @throws {RangeError} when the configuration is invalid
 */
export async function runServeCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  parseCommandArgs(args, {}, { min: 0, max: 0 });
  const settings = deps.settings();
  const logger = createLogger(settings.logLevel, io.stdout);
  const server = await deps.startServer(settings, { logger });
  await deps.waitForShutdown();
  logger.info("shutting down");
  await server.close();
  return 0;
}
