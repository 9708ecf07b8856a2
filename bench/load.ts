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
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statuses: Readonly<Record<string, number>>;
}

function run(spec: LoadSpec, durationSeconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: durationSeconds,
    method: spec.method ?? "GET",
    headers: { ...spec.headers },
    ...(spec.body === undefined ? {} : { body: spec.body }),
    timeout: 10,
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec; // written by bench/run.ts
  if (spec.warmupSeconds > 0) await run(spec, spec.warmupSeconds);
  const result = await run(spec, spec.durationSeconds);
  const statuses: Record<string, number> = {};
  for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[status] = stat.count ?? 0;
  }
  const summary: LoadSummary = {
    requestsPerSecond: result.requests.total / result.duration,
    requests: result.requests.total,
    seconds: result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

await main();
