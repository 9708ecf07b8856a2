// The shape every CLI command has, and what a command may ask its caller for.

import type { PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import type { Services } from "../service/compose.ts";
import type { Settings } from "../service/config.ts";
import type { Logger } from "../telemetry/logger.ts";
import type { CliIo } from "./io.ts";

/** A running HTTP server, as `startServer` returns it. */
interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the HTTP service for `settings` (the server entry's `startServer`). */
export type StartServer = (
  settings: Settings,
  options?: { readonly logger?: Logger },
) => Promise<RunningServer>;

/** A running cluster of server processes, as `startWorkers` returns it. */
interface RunningWorkers {
  close(): Promise<void>;
}

/** Starts `workers` server processes sharing the settings' port (the server entry's `startWorkers`). */
export type StartWorkers = (
  settings: Settings,
  options: { readonly workers: number; readonly logger: Logger },
) => Promise<RunningWorkers>;

/**
 * What commands receive from `cli/main.ts`. Everything opened through it is closed by main once
 * the command returns, so a command never closes what it did not create.
 */
export interface CommandDeps {
  /**
   * The validated settings of this run.
   * @throws {RangeError} when the environment is invalid
   */
  settings(): Settings;
  /** The composed services (store migrated on open), made once per run. */
  services(): Promise<Services>;
  /** A password hasher that needs no database, made once per run. */
  hasher(): PasswordHasher;
  startServer: StartServer;
  startWorkers: StartWorkers;
  /** Resolves when the process is asked to stop (SIGINT or SIGTERM). */
  waitForShutdown(): Promise<void>;
}

/**
 * A CLI command: parses its own arguments and returns an exit status. Expected failures are
 * thrown (`AuthError`, `UsageError`) and turned into a status and message in one place, `cli/main.ts`.
 */
export type Command = (args: readonly string[], io: CliIo, deps: CommandDeps) => Promise<number>;
