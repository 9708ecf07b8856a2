// The raw hash rate: argon2id verifications per second with the production parameters on the
// given number of worker threads, and nothing else — the ceiling for logins per second.
// Usage: node bench/raw-hash.ts THREADS SECONDS; prints one JSON line.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { Algorithm } from "@node-rs/argon2";
import { hashSync, verifySync } from "@node-rs/argon2";
import { owaspArgon2Params } from "gatehouse-auth-core/passwords/argon2-hasher";

// Algorithm is an ambient const enum, which verbatimModuleSyntax cannot inline; 2 is its Argon2id.
const argon2id: Algorithm = 2;

/** What one raw hash run measured. */
export interface RawHashSummary {
  readonly threads: number;
  readonly verifications: number;
  readonly seconds: number;
  readonly perSecond: number;
}

interface Spin {
  readonly count: number;
  readonly seconds: number;
}

// Only the verification loop is timed: thread start-up and the one hash made first are not.
function spin(seconds: number): Spin {
  const hash = hashSync("secret", { algorithm: argon2id, ...owaspArgon2Params });
  const start = performance.now();
  const end = start + seconds * 1000;
  let count = 0;
  while (performance.now() < end) {
    verifySync(hash, "secret");
    count++;
  }
  return { count, seconds: (performance.now() - start) / 1000 };
}

async function main(): Promise<void> {
  const threads = Number(process.argv[2] ?? "1");
  const seconds = Number(process.argv[3] ?? "5");
  const spins = await Promise.all(
    Array.from({ length: threads }, () => {
      const worker = new Worker(new URL(import.meta.url), { workerData: seconds });
      return new Promise<Spin>((resolve, reject) => {
        worker.once("message", (result: Spin) => resolve(result));
        worker.once("error", reject);
      });
    }),
  );
  const summary: RawHashSummary = {
    threads,
    verifications: spins.reduce((sum, s) => sum + s.count, 0),
    seconds: Math.max(...spins.map((s) => s.seconds)),
    perSecond: spins.reduce((sum, s) => sum + s.count / s.seconds, 0),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (isMainThread) {
  await main();
} else {
  parentPort?.postMessage(spin(Number(workerData)));
  process.exit(0);
}
