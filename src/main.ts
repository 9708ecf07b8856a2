// The server entry: settings → services → app → listening socket, with a graceful stop.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { composeServices } from "./compose.ts";
import type { Settings } from "./config.ts";
import { loadSettings } from "./config.ts";
import { createApp } from "./http/app.ts";
import type { Logger } from "./logger.ts";
import { createLogger } from "./logger.ts";

/** A running server. */
export interface RunningServer {
  readonly port: number;
  /** Stops accepting connections, lets in-flight requests finish, then releases the services. */
  close(): Promise<void>;
}

/** Starts Gatehouse for `settings` and resolves once it listens. */
export async function startServer(
  settings: Settings,
  options: { readonly logger?: Logger } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(settings.logLevel);
  const services = await composeServices(settings, { logger });
  const app = createApp({
    users: services.store,
    items: services.store,
    hasher: services.hasher,
    tokens: services.tokens,
    scopes: services.scopes,
    strictGrantType: settings.strictGrantType,
    logger,
    publicKeys: services.publicKeys,
    issuer: settings.issuer,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: settings.host, port: settings.port }, () =>
      resolve(s),
    );
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo; // a TCP listener always has an AddressInfo
  logger.info("listening", { url: `http://${settings.host}:${port}`, docs: `/docs` });
  return {
    port,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
    },
  };
}

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings(process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const logger = createLogger(settings.logLevel);
  const running = await startServer(settings, { logger });
  const stop = (signal: string): void => {
    logger.info("stopping", { signal });
    // In-flight requests get a bounded time to finish.
    setTimeout(() => process.exit(1), 10_000).unref();
    void running.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

if (import.meta.main) await main();
