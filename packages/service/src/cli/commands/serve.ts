// `gatehouse serve`: run the HTTP service until SIGINT or SIGTERM.
import type { Settings } from "../../service/config.ts";
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

function parsePort(value: string): number {
  const port = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError("--port takes a whole number from 0 to 65535");
  }
  return port;
}

/** The settings with the listen address the command line gave, which wins over HOST and PORT. */
function withListenAddress(
  settings: Settings,
  values: { readonly host?: string | undefined; readonly port?: string | undefined },
): Settings {
  if (values.host === "") throw new UsageError("--host takes a host name or an IP address");
  return Object.freeze({
    ...settings,
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.port === undefined ? {} : { port: parsePort(values.port) }),
  });
}

/**
 * Starts the HTTP service with the environment's settings, logging to stdout (JSON lines, or
 * readable text on a terminal), and closes it cleanly when the process is asked to stop.
 * `--host H` and `--port P` override HOST and PORT; `--workers N` (or `GATEHOUSE_WORKERS`) runs
 * N processes sharing the port.
 * @throws {UsageError} when given an argument, or a `--workers`, `--port` or `--host` out of range
 * @throws {RangeError} when the configuration is invalid
 */
export async function runServeCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  const { values } = parseCommandArgs(
    args,
    { workers: { type: "string" }, host: { type: "string" }, port: { type: "string" } },
    { min: 0, max: 0 },
  );
  const settings = withListenAddress(deps.settings(), values);
  const workers = values.workers === undefined ? settings.workers : parseWorkers(values.workers);
  const logger = createLogger(settings.logLevel, {
    write: io.stdout,
    pretty: io.stdoutIsTerminal === true,
  });
  const server =
    workers > 1
      ? await deps.startWorkers(settings, { workers, logger })
      : await deps.startServer(settings, { logger });
  await deps.waitForShutdown();
  logger.info("shutting down");
  await server.close();
  return 0;
}
