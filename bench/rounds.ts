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

/** A distribution-free confidence interval of a median: two order statistics of the sample. */
export interface MedianInterval {
  readonly low: number;
  readonly high: number;
  /** The interval's coverage, from the binomial distribution (e.g. 0.96). */
  readonly confidence: number;
}

/**
 * The narrowest interval [x(k), x(n+1−k)] of the sorted `values` that holds the true median with
 * at least `confidence`: the median lies below x(k) only if fewer than k values fall below it, a
 * Binomial(n, ½) event. With fewer than 6 values even [min, max] covers less than 95 %; it is
 * returned with its coverage.
 */
export function medianInterval(values: readonly number[], confidence = 0.95): MedianInterval {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  // P(X = i) for X ~ Binomial(n, ½), cumulated: tail(k) = P(X < k).
  const choose = (i: number): number => {
    let c = 1;
    for (let j = 0; j < i; j++) c = (c * (n - j)) / (j + 1);
    return c;
  };
  const tail = (k: number): number => {
    let sum = 0;
    for (let i = 0; i < k; i++) sum += choose(i);
    return sum / 2 ** n;
  };
  let k = 1;
  while (k + 1 <= n / 2 && 1 - 2 * tail(k + 1) >= confidence) k++;
  return {
    low: sorted[k - 1] ?? Number.NaN,
    high: sorted[n - k] ?? Number.NaN,
    confidence: 1 - 2 * tail(k),
  };
}
