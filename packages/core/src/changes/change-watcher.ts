// Waking the readers of a change feed when it grows: one poll of the feed per process, however
// many readers wait.
import type { ChangeFeed } from "./change-feed.ts";

/** Tells readers of a {@link ChangeFeed} when there is something past their position. */
export interface ChangeWatcher {
  /**
   * Resolves once the feed holds a sequence above `after`, when `timeoutMs` passed, or when
   * `signal` aborts — whichever comes first. Never rejects.
   */
  waitBeyond(after: number, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** How many readers are waiting now. */
  waiting(): number;
}

/** Options of {@link createChangeWatcher}. */
export interface ChangeWatcherOptions {
  /** How often the feed's latest sequence is read while someone waits; 100 ms by default. */
  readonly intervalMs?: number;
  /** Told when reading the latest sequence fails; the watcher tries again next interval. */
  readonly onError?: (error: unknown) => void;
}

interface Waiter {
  readonly after: number;
  readonly wake: () => void;
}

/**
 * Creates a watcher over `feed`. It reads `latestSequence()` every `intervalMs` while at least
 * one reader waits, and not at all otherwise; its timer never keeps the process alive. A feed
 * that tells when it grows ({@link ChangeFeed.watch}) is also read at once when it does, so a
 * reader in this process learns of a change without waiting for the next interval.
 */
export function createChangeWatcher(
  feed: ChangeFeed,
  options: ChangeWatcherOptions = {},
): ChangeWatcher {
  const intervalMs = options.intervalMs ?? 100;
  const waiters = new Set<Waiter>();
  let latest = 0;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let pollAgain = false;
  // Set while someone waits on a feed that tells when it grows.
  let unwatch: (() => void) | undefined;

  const wakeReady = (): void => {
    for (const waiter of waiters) if (latest > waiter.after) waiter.wake();
  };
  const poll = async (): Promise<void> => {
    try {
      latest = await feed.latestSequence();
      wakeReady();
    } catch (error) {
      options.onError?.(error);
    }
  };
  // One read at a time; a call during a read asks for one more right after it.
  const pollNow = (): void => {
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = true;
    void poll().finally(() => {
      polling = false;
      if (pollAgain && waiters.size > 0) {
        pollAgain = false;
        pollNow();
      }
    });
  };
  const schedule = (): void => {
    if (timer !== undefined || waiters.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      pollNow();
      schedule();
    }, intervalMs);
    timer.unref();
  };
  const remove = (waiter: Waiter): void => {
    waiters.delete(waiter);
    if (waiters.size === 0) {
      unwatch?.();
      unwatch = undefined;
    }
  };

  return {
    waitBeyond(after, timeoutMs, signal) {
      // Always waits for the next read of the feed: a sequence remembered from an earlier read
      // may belong to a feed since replaced by one that reads lower.
      if (signal?.aborted === true) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timeout);
          signal?.removeEventListener("abort", done);
          remove(waiter);
          resolve();
        };
        const waiter: Waiter = { after, wake: done };
        const timeout = setTimeout(done, timeoutMs);
        timeout.unref();
        signal?.addEventListener("abort", done, { once: true });
        waiters.add(waiter);
        unwatch ??= feed.watch?.(pollNow);
        schedule();
      });
    },
    waiting: () => waiters.size,
  };
}
