// The `gatehouse` command: dispatch to a command, then turn its outcome into an exit status.
import { type AuthError, type AuthErrorCode, isAuthError } from "gatehouse-auth-core/errors";
import { createArgon2Hasher } from "gatehouse-auth-core/passwords/argon2-hasher";
import type { PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import { type ComposeOptions, composeServices, type Services } from "../service/compose.ts";
import { loadSettings, type Settings } from "../service/config.ts";
import { loadDotEnv } from "../service/env-file.ts";
import { describeStartupFailure } from "../service/startup-error.ts";
import { describeUnknownSetting, findUnknownSettings } from "../service/unknown-settings.ts";
import { createLogger } from "../telemetry/logger.ts";
import { UsageError } from "./arguments.ts";
import type { Command, CommandDeps, StartServer, StartWorkers } from "./command.ts";
import { runAuditCommand } from "./commands/audit.ts";
import { runClientsCommand } from "./commands/clients.ts";
import { runConsentsCommand } from "./commands/consents.ts";
import { runHashPasswordCommand } from "./commands/hash-password.ts";
import { runKeysCommand } from "./commands/keys.ts";
import { runMigrateCommand } from "./commands/migrate.ts";
import { runServeCommand } from "./commands/serve.ts";
import { runUsersCommand } from "./commands/users.ts";
import { type CliIo, createProcessIo } from "./io.ts";
import { readServiceVersion } from "./service-version.ts";
import { usage } from "./usage.ts";

/** What a run of the CLI is given instead of reaching for process globals. */
export interface CliOptions {
  /** The environment settings are read from; the binary passes `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Overrides for `composeServices`, made afresh for each run (its hasher is closed with it). */
  readonly composeOptions?: () => ComposeOptions;
  /** Makes the hasher of `hash-password`; argon2id with production parameters by default. */
  readonly createHasher?: () => PasswordHasher;
  /** Starts the HTTP service; the server entry's `startServer` by default. */
  readonly startServer?: StartServer;
  /** Starts several server processes; the server entry's `startWorkers` by default. */
  readonly startWorkers?: StartWorkers;
  /** Resolves when `serve` should stop; on SIGINT or SIGTERM by default. */
  readonly waitForShutdown?: () => Promise<void>;
}

const commands = {
  serve: runServeCommand,
  users: runUsersCommand,
  clients: runClientsCommand,
  consents: runConsentsCommand,
  "hash-password": runHashPasswordCommand,
  migrate: runMigrateCommand,
  audit: runAuditCommand,
  keys: runKeysCommand,
} as const satisfies Record<string, Command>;

/** `help` as the command, or `--help` / `-h` anywhere. */
function wantsHelp(argv: readonly string[]): boolean {
  return argv[0] === "help" || argv.some((arg) => arg === "--help" || arg === "-h");
}

const ok = 0;
const expectedFailure = 1;
const usageFailure = 2;

// The CLI's one mapping from failure codes to what the operator reads; every code exits 1.
const failureMessages = {
  invalid_credentials: () => "invalid username or password",
  inactive_user: () => "the user is disabled",
  // Scope and request messages are written by the CLI's own checks (or core's fixed texts) and
  // name what to correct; they never hold a password or hash.
  invalid_scope: (error) => error.message,
  invalid_request: (error) => error.message,
  invalid_input: () => "a value holds a NUL character, which cannot be stored",
  unsupported_grant_type: () => "unsupported grant type",
  invalid_client: () => "client authentication failed",
  unauthorized_client: () => "the client may not use this grant",
  token_not_owned: () => "the token was not issued to this client",
  token_missing: () => "no access token was given",
  token_invalid: () => "the access token is invalid",
  token_expired: () => "the access token has expired",
  refresh_token_invalid: () => "the refresh token is invalid",
  authorization_code_invalid: () => "the authorization code is invalid",
  insufficient_scope: () => "the access token lacks a required scope",
  username_taken: () => "user already exists (usernames differing only by case are one user)",
  user_not_found: () => "user not found",
  client_id_taken: () => "a client with this id already exists",
  client_not_found: () => "client not found",
  consent_not_found: () => "the user has no consent for this client",
  // The policy's fixed texts: a length or "commonly used", never the password.
  weak_password: (error) => error.message,
  last_user_admin: () =>
    "this is the last active user with users:write; it cannot be disabled, deleted or lose users:write",
  scope_not_held: () => "cannot grant a scope the acting account does not hold",
  hasher_busy: () => "the password hasher is busy; try again",
  throttled: () => "too many failed attempts; try again later",
  device_code_invalid: () => "the device code is invalid",
  authorization_pending: () => "the device authorization is still pending",
  slow_down: () => "polling too fast",
  expired_token: () => "the device code has expired",
  access_denied: () => "the user denied the request",
  user_code_invalid: () => "invalid or expired user code",
  csrf_token_invalid: () => "the form token is invalid",
  revocations_unavailable: () => "revocations cannot be checked right now; try again later",
} as const satisfies Record<AuthErrorCode, (error: AuthError) => string>;

function report(error: unknown, io: CliIo, debug: boolean): number {
  if (isAuthError(error)) {
    io.stderr(`gatehouse: ${failureMessages[error.code](error)}\n`);
    return expectedFailure;
  }
  if (error instanceof UsageError) {
    io.stderr(`gatehouse: ${error.message}\n\n${usage}`);
    return usageFailure;
  }
  // Configuration errors (loadSettings) are RangeErrors: the invocation is wrong, not the data.
  if (error instanceof RangeError) {
    io.stderr(`gatehouse: ${error.message}\n`);
    return usageFailure;
  }
  // The port taken, the database unreachable or read-only, and the unexpected: one line naming
  // the cause (and the setting to change, when known); the stack only at the debug level.
  io.stderr(`gatehouse: ${describeStartupFailure(error, { debug })}\n`);
  return expectedFailure;
}

/** `--version` or `-V` as the only argument, or `version` as the command. */
function wantsVersion(argv: readonly string[]): boolean {
  return (
    argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V" || argv[0] === "version")
  );
}

/** One warning line on stderr for each GATEHOUSE_* variable that is no setting. */
function warnOfUnknownSettings(io: CliIo, env: CliOptions["env"]): void {
  const level = env["GATEHOUSE_LOG_LEVEL"];
  if (level === "error" || level === "silent") return;
  for (const unknown of findUnknownSettings(env)) {
    io.stderr(`gatehouse: warning: ${describeUnknownSetting(unknown)}\n`);
  }
}

function isCommand(name: string): name is keyof typeof commands {
  return Object.hasOwn(commands, name);
}

const startServerFromEntry: StartServer = async (settings, options) => {
  // Loaded on demand, so user commands do not pay for the HTTP stack.
  const entry = await import("../server/start-server.ts");
  return entry.startServer(settings, options);
};

/** The default StartWorkers: the server entry's, with this run's environment for the workers. */
function startWorkersFromEntry(env: CliOptions["env"]): StartWorkers {
  return async (settings, options) => {
    const entry = await import("../server/start-server.ts");
    return entry.startWorkers(settings, { ...options, env });
  };
}

function waitForStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** The deps of one run: everything is made on first use, and `close` releases what was made. */
function createRunDeps(io: CliIo, options: CliOptions): CommandDeps & { close(): Promise<void> } {
  let settings: Settings | undefined;
  let services: Promise<Services> | undefined;
  let hasher: PasswordHasher | undefined;
  const loaded = (): Settings => {
    settings ??= loadSettings(options.env);
    return settings;
  };
  const compose = async (): Promise<Services> => {
    const current = loaded();
    const overrides = options.composeOptions?.() ?? {};
    try {
      return await composeServices(current, {
        logger: createLogger(current.logLevel, io.stderr),
        ...overrides,
      });
    } catch (error) {
      // A hasher handed in is not closed by a composition that failed half-way.
      await overrides.hasher?.close();
      throw error;
    }
  };
  return {
    settings: loaded,
    services() {
      services ??= compose();
      return services;
    },
    hasher() {
      hasher ??= options.createHasher?.() ?? createArgon2Hasher({ workers: 1 });
      return hasher;
    },
    startServer: options.startServer ?? startServerFromEntry,
    startWorkers: options.startWorkers ?? startWorkersFromEntry(options.env),
    waitForShutdown: options.waitForShutdown ?? waitForStopSignal,
    async close() {
      await hasher?.close();
      const opened = await services?.catch(() => undefined);
      await opened?.close();
    },
  };
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and resolves to the exit
 * status: 0 success, 1 an expected failure (message on stderr), 2 a usage or configuration error
 * (message and usage on stderr). Never reads `process.env` or argv itself, so tests run it in
 * process.
 * @example
 * const status = await runCli(["users", "list", "--json"], createProcessIo(), { env: process.env });
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  options: CliOptions,
): Promise<number> {
  const [name, ...args] = argv;
  if (wantsHelp(argv)) {
    io.stdout(usage);
    return ok;
  }
  if (wantsVersion(argv)) {
    io.stdout(`${readServiceVersion()}\n`);
    return ok;
  }
  warnOfUnknownSettings(io, options.env);
  const deps = createRunDeps(io, options);
  try {
    if (name === undefined) throw new UsageError("missing command");
    if (!isCommand(name)) throw new UsageError(`unknown command: ${name}`);
    return await commands[name](args, io, deps);
  } catch (error) {
    return report(error, io, options.env["GATEHOUSE_LOG_LEVEL"] === "debug");
  } finally {
    await deps.close();
  }
}

/**
 * Runs the `gatehouse` binary: reads `.env` from the working directory into the environment
 * (variables already set win), then runs the CLI on the process's arguments and sets the exit
 * status.
 */
export async function runCliProcess(): Promise<void> {
  const io = createProcessIo();
  try {
    loadDotEnv();
  } catch (error) {
    process.exitCode = report(error, io, false);
    return;
  }
  process.exitCode = await runCli(process.argv.slice(2), io, { env: process.env });
}
