// One load generator run (autocannon), as a child process so it can be pinned to its own core.
// Reads its options as JSON from argv[2] and prints the summary as one JSON line on stdout.
import autocannon from "autocannon";

/** What the orchestrator asks of one load run. */
export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly method?: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What one load run measured. */
export interface LoadSummary {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly seconds: number;
  /** Median response time of every response, in ms to the microsecond. */
  readonly p50Ms: number;
  /** 99th percentile response time of every response, in ms to the microsecond. */
  readonly p99Ms: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statuses: Readonly<Record<string, number>>;
}

/** One run's result, with every response time as the load generator timed it (ms, sub-ms precise). */
interface Run {
  readonly result: autocannon.Result;
  readonly latencies: Float64Array;
}

function run(spec: LoadSpec, durationSeconds: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    // autocannon's own percentiles are whole milliseconds, and an unloaded route answers well
    // under one here: the p99 ratio of target 3 would divide by 0. So every response's time is
    // kept as autocannon measured it (from the high-resolution clock) and ranked at the end.
    let latencies = new Float64Array(1 << 16);
    let count = 0;
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: durationSeconds,
        method: spec.method ?? "GET",
        headers: { ...spec.headers },
        ...(spec.body === undefined ? {} : { body: spec.body }),
        timeout: 10,
      },
      (error: unknown, result: autocannon.Result) => {
        if (error !== null && error !== undefined) reject(error);
        else resolve({ result, latencies: latencies.subarray(0, count).sort() });
      },
    );
    instance.on("response", (_client, _status, _bytes, milliseconds) => {
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = milliseconds;
    });
  });
}

/** The `q` quantile of sorted `values`, in ms to the microsecond. */
function quantile(values: Float64Array, q: number): number {
  if (values.length === 0) return Number.NaN;
  const value = values[Math.min(values.length - 1, Math.ceil(q * values.length) - 1)] ?? Number.NaN;
  return Math.round(value * 1000) / 1000;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec; // written by bench/run.ts
  if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds);
  const { result, latencies } = await run(spec, spec.durationSeconds);
  const statuses: Record<string, number> = {};
  for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[status] = stat.count ?? 0;
  }
  const summary: LoadSummary = {
    requestsPerSecond: result.requests.total / result.duration,
    requests: result.requests.total,
    seconds: result.duration,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

await main();
