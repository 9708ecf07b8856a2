// `gatehouse serve`: run the HTTP service until SIGINT or SIGTERM.
import { createLogger } from "../../telemetry/logger.ts";
import { parseCommandArgs, UsageError } from "../arguments.ts";
import type { CommandDeps } from "../command.ts";
import type { CliIo } from "../io.ts";

function parseWorkers(value: string): number {
  const workers = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(workers >= 1 && workers <= 64)) {
    throw new UsageError("--workers takes a whole number from 1 to 64");
  }
  return workers;
}

/**
 * Starts the HTTP service with the environment's settings, logging JSON lines to stdout, and
 * closes it cleanly when the process is asked to stop. `--workers N` (or `GATEHOUSE_WORKERS`)
 * runs N processes sharing the port.
 * @throws {UsageError} when given an argument, or a `--workers` that is not 1–64
 * @throws {RangeError} when the configuration is invalid
 */
export async function runServeCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  const { values } = parseCommandArgs(args, { workers: { type: "string" } }, { min: 0, max: 0 });
  const settings = deps.settings();
  const workers = values.workers === undefined ? settings.workers : parseWorkers(values.workers);
  const logger = createLogger(settings.logLevel, io.stdout);
  const server =
    workers > 1
      ? await deps.startWorkers(settings, { workers, logger })
      : await deps.startServer(settings, { logger });
  await deps.waitForShutdown();
  logger.info("shutting down");
  await server.close();
  return 0;
}
