// Interleaved rounds: measuring A, B, A, B… and adding up each side, so that load from other
// processes, which comes and goes, weighs on both sides of a ratio alike.
import type { LoadSummary } from "./load.ts";

/** The median: the middle value, or the mean of the two middle values of an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** Adds up rounds of one measurement: total requests over total time; p50/p99 are round medians. */
export function combine(rounds: readonly LoadSummary[]): LoadSummary {
  const requests = rounds.reduce((sum, r) => sum + r.requests, 0);
  const seconds = rounds.reduce((sum, r) => sum + r.seconds, 0);
  const statuses: Record<string, number> = {};
  for (const round of rounds) {
    for (const [status, count] of Object.entries(round.statuses)) {
      statuses[status] = (statuses[status] ?? 0) + count;
    }
  }
  return {
    requestsPerSecond: requests / seconds,
    requests,
    seconds,
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    timeouts: rounds.reduce((sum, r) => sum + r.timeouts, 0),
    statuses,
  };
}

/** Runs `count` rounds of each measurement in turn, A B A B…, and combines each side. */
export async function interleave<A, B>(
  count: number,
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<{ first: A[]; second: B[] }> {
  const a: A[] = [];
  const b: B[] = [];
  for (let round = 0; round < count; round++) {
    a.push(await first());
    b.push(await second());
  }
  return { first: a, second: b };
}
