// A small pool of dedicated hashing threads with a bounded queue — apart from libuv's thread pool.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { AuthError } from "../errors.ts";
import type { HashAnswer, HashJob, HashRequest, HashWorkerData } from "./hash-worker.ts";
import type { PasswordCheck } from "./hasher.ts";

/** A snapshot of the pool's load, for metrics. */
export interface HashPoolStats {
  /** The most workers the pool runs. */
  readonly size: number;
  /** Jobs running on a worker now. */
  readonly busy: number;
  /** Jobs waiting for a worker. */
  readonly queued: number;
}

/** How big the pool and its queue may grow. */
export interface HashPoolOptions {
  /** Worker threads; defaults to one fewer than the machine's parallelism, at least 1. */
  readonly size?: number | undefined;
  /** Jobs that may wait for a worker; defaults to 64 per worker. */
  readonly maxQueue?: number | undefined;
  /** Called as each job reaches a worker, with how long it waited in milliseconds (for metrics). */
  readonly onWait?: ((milliseconds: number) => void) | undefined;
  /**
   * The nice value of the hashing threads (0 … 19; default 0, unchanged). Above the event loop's,
   * it keeps a storm of logins from taking more than a small share of a core from serving.
   */
  readonly niceness?: number | undefined;
  /** The worker entry; defaults to `hash-worker`. Tests pass a worker that misbehaves on cue. */
  readonly workerFile?: URL | undefined;
}

/** Runs hash and verify jobs on worker threads, first come first served. */
export interface HashPool {
  /**
   * Hashes on the next free worker, resolving with the PHC string.
   * @throws {AuthError} hasher_busy when every worker is busy and the queue is full
   */
  run(request: HashRequest & { readonly op: "hash" }): Promise<string>;
  /**
   * Verifies on the next free worker.
   * @throws {AuthError} hasher_busy when every worker is busy and the queue is full
   */
  run(request: HashRequest & { readonly op: "verify" }): Promise<PasswordCheck>;
  stats(): HashPoolStats;
  /** Stops every worker; running and queued jobs reject, and so does every later `run`. */
  close(): Promise<void>;
}

interface Pending {
  readonly job: HashJob;
  /** `performance.now()` when the job was submitted. */
  readonly submittedAt: number;
  readonly resolve: (result: string | PasswordCheck) => void;
  readonly reject: (error: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  /** Jobs posted to this worker, oldest (running) first; the rest wait in its message queue. */
  readonly jobs: Pending[];
  failure: unknown;
}

// Each worker holds its running job plus one more, so it starts the next one the moment it
// finishes instead of idling until the main thread gets the CPU to send it (issue 6: on a busy
// core that gap cost logins over 10 % of the raw hash rate).
const jobsPerWorker = 2;

// Source runs as .ts under type stripping; the build emits hash-worker.js beside hash-pool.js.
const defaultWorkerFile = new URL(
  import.meta.url.endsWith(".ts") ? "./hash-worker.ts" : "./hash-worker.js",
  import.meta.url,
);

function requireCount(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer of at least ${min}, got ${value}`);
  }
  return value;
}

/**
 * Creates a pool of hashing threads. Workers start on demand (one per concurrent job, up to
 * `size`), so a process that never hashes never pays for them; an idle worker is `unref`'d and
 * does not keep the process alive, while a busy one does, so an awaited hash always finishes.
 * A worker that dies rejects its running job with a plain `Error` and is replaced for the next.
 *
 * @throws {RangeError} when `size` is below 1, `maxQueue` below 0, or `niceness` outside 0 … 19
 */
export function createHashPool(options: HashPoolOptions = {}): HashPool {
  const size = requireCount("size", options.size ?? Math.max(1, availableParallelism() - 1), 1);
  const maxQueue = requireCount("maxQueue", options.maxQueue ?? 64 * size, 0);
  const niceness = requireCount("niceness", options.niceness ?? 0, 0);
  if (niceness > 19) throw new RangeError(`niceness must be at most 19, got ${niceness}`);
  const workerFile = options.workerFile ?? defaultWorkerFile;

  const slots = new Set<Slot>();
  const queue: Pending[] = [];
  let nextId = 0;
  let closing: Promise<void> | undefined;

  const closedError = (): Error => new Error("the hash pool is closed");

  const reportWait = (pending: Pending): void => {
    options.onWait?.(performance.now() - pending.submittedAt);
  };

  function dispatch(slot: Slot, pending: Pending): void {
    slot.jobs.push(pending);
    // A job handed to an idle worker starts now; one queued behind another starts when it settles.
    if (slot.jobs.length === 1) reportWait(pending);
    slot.worker.ref();
    slot.worker.postMessage(pending.job);
  }

  function takeNext(slot: Slot): void {
    while (slot.jobs.length < jobsPerWorker) {
      const next = queue.shift();
      if (next === undefined) break;
      dispatch(slot, next);
    }
    if (slot.jobs.length === 0) slot.worker.unref();
  }

  function settle(slot: Slot, answer: HashAnswer): void {
    // A worker answers its jobs one at a time, in the order they were posted.
    if (slot.jobs[0]?.job.id !== answer.id) return;
    const pending = slot.jobs.shift();
    if (pending === undefined) return;
    const started = slot.jobs[0];
    if (started !== undefined) reportWait(started);
    if (answer.ok) {
      pending.resolve(answer.result);
    } else {
      pending.reject(new Error(`hash worker failed: ${answer.error}`));
    }
    takeNext(slot);
  }

  function retire(slot: Slot, exitCode: number): void {
    slots.delete(slot);
    const [pending, ...waiting] = slot.jobs.splice(0);
    if (closing !== undefined) {
      for (const job of [pending, ...waiting]) job?.reject(closedError());
      return;
    }
    pending?.reject(new Error(`hash worker exited with code ${exitCode}`, { cause: slot.failure }));
    // Jobs that only waited at the dead worker go back to the front of the queue, in order.
    queue.unshift(...waiting);
    // Each replacement takes a queued job, so a worker that always crashes cannot loop forever.
    const next = queue.shift();
    if (next !== undefined) dispatch(spawn(), next);
  }

  function spawn(): Slot {
    const worker = new Worker(workerFile, {
      name: "gatehouse-hash",
      workerData: { niceness } satisfies HashWorkerData,
    });
    const slot: Slot = { worker, jobs: [], failure: undefined };
    worker.unref();
    // Answers come only from our worker, which posts HashAnswer values.
    worker.on("message", (answer: HashAnswer) => settle(slot, answer));
    worker.on("error", (error: unknown) => {
      slot.failure = error;
    });
    worker.on("exit", (exitCode: number) => retire(slot, exitCode));
    slots.add(slot);
    return slot;
  }

  function idleSlot(): Slot | undefined {
    for (const slot of slots) {
      if (slot.jobs.length === 0) return slot;
    }
    return undefined;
  }

  function slotWithRoom(): Slot | undefined {
    for (const slot of slots) {
      if (slot.jobs.length < jobsPerWorker) return slot;
    }
    return undefined;
  }

  /** Jobs accepted but not running: queued here or waiting at a worker. */
  function waitingCount(): number {
    let waiting = queue.length;
    for (const slot of slots) waiting += Math.max(0, slot.jobs.length - 1);
    return waiting;
  }

  function run(request: HashRequest & { readonly op: "hash" }): Promise<string>;
  function run(request: HashRequest & { readonly op: "verify" }): Promise<PasswordCheck>;
  function run(request: HashRequest): Promise<string | PasswordCheck> {
    if (closing !== undefined) return Promise.reject(closedError());
    const free = idleSlot() ?? (slots.size < size ? spawn() : undefined);
    if (free === undefined && waitingCount() >= maxQueue) {
      return Promise.reject(
        new AuthError("hasher_busy", `${size} hash workers busy and ${maxQueue} jobs queued`),
      );
    }
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        job: { ...request, id: nextId++ },
        submittedAt: performance.now(),
        resolve,
        reject,
      };
      const slot = free ?? slotWithRoom();
      if (slot === undefined) {
        queue.push(pending);
      } else {
        dispatch(slot, pending);
      }
    });
  }

  function stats(): HashPoolStats {
    let busy = 0;
    for (const slot of slots) {
      if (slot.jobs.length > 0) busy++;
    }
    return { size, busy, queued: waitingCount() };
  }

  async function terminateAll(): Promise<void> {
    for (const pending of queue.splice(0)) pending.reject(closedError());
    await Promise.all([...slots].map((slot) => slot.worker.terminate()));
  }

  function close(): Promise<void> {
    closing ??= terminateAll();
    return closing;
  }

  return { run, stats, close };
}
