// Lowering the calling thread's scheduling priority, for threads whose work can wait.
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

/**
 * Raises the calling thread's nice value to `niceness` (0 normal … 19 lowest), leaving the rest of
 * the process as it is: on Linux a thread id names one thread to setpriority(2), and
 * `/proc/thread-self` names the calling thread. Raising a nice value needs no privilege.
 * Returns the thread's nice value afterwards, or `undefined` where threads cannot be told apart
 * (not Linux), in which case nothing changed.
 */
export function lowerThreadPriority(niceness: number): number | undefined {
  let threadId: number;
  try {
    threadId = Number(readlinkSync("/proc/thread-self").split("/").at(-1));
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(threadId) || threadId <= 0) return undefined;
  // Only ever lowered: a thread already nicer than asked keeps its value.
  if (getPriority(threadId) < niceness) setPriority(threadId, niceness);
  return getPriority(threadId);
}
