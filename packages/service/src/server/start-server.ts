// Running the server: settings → services → app → listening socket, with a graceful stop.
import cluster from "node:cluster";
import { Server } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "../http/app.ts";
import { EnvelopeResponse } from "../http/envelope-response.ts";
import type { OpenApiApp } from "../http/openapi.ts";
import { startAuditRetention } from "../service/audit-retention.ts";
import type { ComposeOptions } from "../service/compose.ts";
import { composeServices } from "../service/compose.ts";
import type { Settings } from "../service/config.ts";
import { loadSettings } from "../service/config.ts";
import { loadDotEnv } from "../service/env-file.ts";
import { explainListenFailure } from "../service/listen-failure.ts";
import { describeStartupFailure } from "../service/startup-error.ts";
import { describeUnknownSetting, findUnknownSettings } from "../service/unknown-settings.ts";
import type { Logger } from "../telemetry/logger.ts";
import { createLogger, withFields } from "../telemetry/logger.ts";
import type { RunningCluster } from "./cluster.ts";
import { startCluster } from "./cluster.ts";
import { tuneHeapForService } from "./heap-tuning.ts";

/** A running server. */
export interface RunningServer {
  readonly port: number;
  /**
   * Stops accepting connections, lets in-flight requests finish (at most the shutdown timeout,
   * then cuts what is left), closes idle keep-alive connections, then releases the services.
   */
  close(): Promise<void>;
}

/** What {@link startServer} may be given besides settings. */
export interface StartServerOptions {
  readonly logger?: Logger;
  /** Overrides for the services, e.g. a test's hasher. */
  readonly compose?: ComposeOptions;
}

/**
 * Node's server options: the response class that sends the envelope's headers with the status
 * line, and the limits from the settings (header size, header and request timeouts).
 */
function serverOptions(settings: Settings) {
  return {
    ServerResponse: EnvelopeResponse,
    maxHeaderSize: settings.maxHeaderBytes,
    requestTimeout: settings.requestTimeoutMs,
    headersTimeout: settings.headersTimeoutMs,
    // Timeouts are only noticed when Node checks; a check every fifth of the headers timeout
    // (between 50 ms and 1 s) keeps a slow client from outstaying it by much.
    connectionsCheckingInterval: Math.min(1000, Math.max(50, settings.headersTimeoutMs / 5)),
  };
}

/** Opens the listening socket for `app` on the settings' host and port. */
function listen(app: OpenApiApp, settings: Settings): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const s = serve(
      {
        fetch: app.fetch,
        hostname: settings.host,
        port: settings.port,
        serverOptions: serverOptions(settings),
      },
      () => {
        // Plain HTTP/1.1 is all serve() makes without TLS or HTTP/2 options.
        if (s instanceof Server) resolve(s);
        else reject(new TypeError("expected a node:http server"));
      },
    );
    s.once("error", reject);
  });
}

/** Starts Gatehouse for `settings` and resolves once it listens. */
export async function startServer(
  settings: Settings,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(settings.logLevel);
  tuneHeapForService();
  const services = await composeServices(settings, { logger, ...options.compose });
  let draining = false;
  const app = createApp(services, { draining: () => draining });
  const retention = startAuditRetention({
    audit: services.store.audit,
    clock: services.clock,
    days: settings.auditRetentionDays,
    logger,
  });
  let server: Server;
  try {
    server = await listen(app, settings);
  } catch (error) {
    retention.stop();
    await services.close();
    throw explainListenFailure(error, settings) ?? error;
  }
  const { port } = server.address() as AddressInfo; // a TCP listener always has an AddressInfo
  logger.info("listening", {
    url: `http://${settings.host}:${port}`,
    docs: `/docs`,
    pid: process.pid,
  });
  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= (async () => {
        draining = true;
        retention.stop();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // close() only ends connections idle now; a keep-alive connection whose request finishes
        // later goes idle then, so it is swept until the listener is done.
        server.closeIdleConnections();
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        const cut = setTimeout(() => {
          logger.warn("shutdown timeout: closing connections with requests in flight");
          server.closeAllConnections();
        }, settings.shutdownTimeoutMs);
        await closed;
        clearInterval(sweep);
        clearTimeout(cut);
        await services.close();
      })();
      return closing;
    },
  };
}

/**
 * Runs `workers` server processes on the settings' port through `node:cluster`. The store is
 * opened (migrated, demo data seeded, signing key stored) once here first, so the workers do not
 * race to do it, and a broken configuration fails before anything is forked.
 */
export async function startWorkers(
  settings: Settings,
  options: {
    readonly workers: number;
    readonly logger: Logger;
    readonly env?: Readonly<Record<string, string | undefined>>;
  },
): Promise<RunningCluster> {
  const services = await composeServices(settings, { logger: options.logger });
  await services.close();
  // The primary hands the workers their connections; a port it cannot take would only show as
  // workers failing and being restarted, so it is tried here first.
  await probeListen(settings);
  return startCluster({
    workers: options.workers,
    shutdownTimeoutMs: settings.shutdownTimeoutMs,
    logger: options.logger,
    ...(options.env === undefined ? {} : { env: options.env }),
  });
}

/**
 * Opens and closes a listener on the settings' host and port.
 * @throws {StartupError} naming HOST or PORT when the address cannot be listened on
 */
async function probeListen(settings: Settings): Promise<void> {
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(settings.port, settings.host, resolve);
    });
  } catch (error) {
    throw explainListenFailure(error, settings) ?? error;
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** Writes why the process could not start, in one line (a stack only at the debug level). */
function exitWithFailure(error: unknown, status: number, debug: boolean): never {
  process.stderr.write(`gatehouse: ${describeStartupFailure(error, { debug })}\n`);
  process.exit(status);
}

/**
 * Runs the server process (`npm start`, and each worker of a cluster): reads `.env` from the
 * working directory, then the settings from the environment, warns once of any GATEHOUSE_*
 * variable that is no setting, starts the server (or the cluster), and stops it on SIGTERM or
 * SIGINT. A start that fails prints one line on stderr and exits 2 for invalid configuration,
 * 1 for anything else (the port taken, the database unreachable…).
 */
export async function runServerProcess(): Promise<void> {
  let settings: Settings;
  try {
    loadDotEnv();
    settings = loadSettings(process.env);
  } catch (error) {
    // An invalid setting is a RangeError whose message names it (see loadSettings).
    if (error instanceof RangeError) {
      process.stderr.write(`gatehouse: ${error.message}\n`);
      process.exit(2);
    }
    exitWithFailure(error, 1, false);
  }
  const debug = settings.logLevel === "debug";
  const base = createLogger(settings.logLevel);
  // Lines from several worker processes share one stream; each says which worker wrote it.
  const logger =
    cluster.worker === undefined ? base : withFields(base, { worker: cluster.worker.id });
  if (cluster.isPrimary) {
    for (const unknown of findUnknownSettings(process.env)) {
      logger.warn(describeUnknownSetting(unknown));
    }
  }
  let running: RunningServer | RunningCluster;
  try {
    running =
      settings.workers > 1 && cluster.isPrimary
        ? await startWorkers(settings, { workers: settings.workers, logger })
        : await startServer(settings, { logger });
  } catch (error) {
    exitWithFailure(error, 1, debug);
  }
  const stop = (signal: string): void => {
    logger.info("stopping", { signal });
    // A last resort should closing itself hang; in-flight requests are bounded inside close().
    setTimeout(() => process.exit(1), settings.shutdownTimeoutMs + 5000).unref();
    void running.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  // A worker whose primary is gone (killed outright) has no one to restart or stop it: drain and go.
  if (cluster.isWorker) process.once("disconnect", () => stop("disconnect"));
}
