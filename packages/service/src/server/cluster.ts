// Several server processes sharing one port through node:cluster: the primary forks, restarts and stops them.
import cluster, { type Worker } from "node:cluster";
import { fileURLToPath } from "node:url";
import type { Logger } from "../telemetry/logger.ts";

/** What {@link startCluster} needs. */
export interface ClusterOptions {
  /** How many worker processes to run (≥ 2 to be useful). */
  readonly workers: number;
  /** How long workers get to finish in-flight requests once asked to stop. */
  readonly shutdownTimeoutMs: number;
  readonly logger: Logger;
  /** Variables added to each worker's environment (on top of this process's). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The first restart delay after a crash; doubles per recent crash up to 30 s. */
  readonly restartDelayMs?: number;
}

/** A running cluster, as the primary sees it. */
export interface RunningCluster {
  /** Forwards SIGTERM to every worker, waits for them to finish, and kills stragglers. */
  close(): Promise<void>;
}

const maxRestartDelayMs = 30_000;
const crashMemoryMs = 60_000;

// Workers run the ordinary server entry; under dist/ it is compiled to JavaScript.
const workerEntry = new URL(
  import.meta.url.endsWith(".ts") ? "./main.ts" : "./main.js",
  import.meta.url,
);

/**
 * Forks `workers` processes that each run an ordinary Gatehouse instance on the same port (the
 * primary accepts and hands connections out in turn) and resolves once all of them listen. A
 * worker that dies is replaced after a back-off that doubles with each crash in the last minute,
 * so a worker failing at start cannot spin the machine.
 */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const { logger } = options;
  const baseDelay = options.restartDelayMs ?? 250;
  let stopping = false;
  let crashes: number[] = [];
  const pendingRestarts = new Set<NodeJS.Timeout>();

  cluster.setupPrimary({ exec: fileURLToPath(workerEntry) });
  const env = {
    ...options.env,
    GATEHOUSE_WORKERS: String(options.workers),
  };
  const fork = (): Worker => cluster.fork(env);

  const onExit = (worker: Worker, code: number | null, signal: string | null): void => {
    if (stopping) return;
    const now = Date.now();
    crashes = [...crashes.filter((at) => now - at < crashMemoryMs), now];
    const delay = Math.min(maxRestartDelayMs, baseDelay * 2 ** (crashes.length - 1));
    logger.error("worker exited; restarting", {
      worker: worker.id,
      pid: worker.process.pid,
      code,
      signal,
      restartInMs: delay,
    });
    const timer = setTimeout(() => {
      pendingRestarts.delete(timer);
      if (!stopping) fork();
    }, delay);
    pendingRestarts.add(timer);
  };
  cluster.on("exit", onExit);

  await new Promise<void>((resolve, reject) => {
    let listening = 0;
    const onListening = (): void => {
      listening++;
      if (listening === options.workers) {
        cluster.off("listening", onListening);
        cluster.off("exit", onEarlyExit);
        resolve();
      }
    };
    const onEarlyExit = (worker: Worker, code: number | null): void => {
      cluster.off("listening", onListening);
      cluster.off("exit", onEarlyExit);
      stopping = true;
      for (const other of Object.values(cluster.workers ?? {})) other?.kill("SIGKILL");
      reject(new Error(`worker ${worker.id} exited with ${String(code)} before listening`));
    };
    cluster.on("listening", onListening);
    cluster.on("exit", onEarlyExit);
    for (let i = 0; i < options.workers; i++) fork();
  });
  logger.info("cluster started", { workers: options.workers, pid: process.pid });

  let closing: Promise<void> | undefined;
  const stopAll = async (): Promise<void> => {
    stopping = true;
    for (const timer of pendingRestarts) clearTimeout(timer);
    cluster.off("exit", onExit);
    const running = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined && !worker.isDead(),
    );
    await Promise.all(
      running.map(
        (worker) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(
              () => worker.process.kill("SIGKILL"),
              options.shutdownTimeoutMs + 5000,
            );
            worker.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            worker.process.kill("SIGTERM");
          }),
      ),
    );
    logger.info("cluster stopped");
  };
  return {
    close() {
      closing ??= stopAll();
      return closing;
    },
  };
}
