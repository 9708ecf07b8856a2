// Revocation at resource servers, measured: the time from `logout-all` at Gatehouse to the first
// 401 at an Express resource server following the security event stream (p99 ≤ 1 s over at
// least 50 trials), and that server's throughput with the subscription on and off (within 5 %),
// in one run. Gatehouse runs in this process (startServer, a SQLite store with its change feed,
// a cheap hasher); each resource server in a child process; autocannon in another (bench/load.ts).
// Pinned as `npm run bench` pins: the resource servers on core 0, the load and Gatehouse on core 1.
//
//   NODE_OPTIONS=--conditions=gatehouse-source node bench/revocation.ts [--trials 60] [--seconds 5] [--rounds 6]
import type { ChildProcess } from "node:child_process";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { RunningServer } from "gatehouse-auth/server/start-server";
import { startServer } from "gatehouse-auth/server/start-server";
import { loadSettings } from "gatehouse-auth/service/config";
import { createSqliteStore } from "gatehouse-auth/storage/sqlite/store";
import type { Store } from "gatehouse-auth-core/ports";
import { createRemoteVerifier } from "gatehouse-auth-guard";
import { createFastHasher } from "../test/fixtures/fast-hasher.ts";
import type { LoadSummary } from "./load.ts";
import { choosePinning, pinned, root, runLoad } from "./processes.ts";

const { values: options } = parseArgs({
  options: {
    trials: { type: "string", default: "60" },
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "6" },
    connections: { type: "string", default: "20" },
  },
});
const trials = Number(options.trials);
const seconds = Number(options.seconds);
const rounds = Number(options.rounds);
const connections = Number(options.connections);

// As `npm run bench` does: the resource servers (one measured at a time) on core 0, autocannon
// on core 1 — and this process, Gatehouse, idle while throughput is measured, beside the load.
const pinning = choosePinning();
if (pinning.load !== undefined) {
  spawnSync("taskset", ["-a", "-p", "-c", pinning.load, String(process.pid)], { stdio: "ignore" });
}
process.stdout.write(
  `${pinning.description}${pinning.load === undefined ? "" : "; Gatehouse (this process) with the load generators"}\n`,
);

const issuer = "http://gatehouse.bench";
const client = { id: "bench-resource-server", secret: "bench-resource-server-secret" };

// The store's own change feed, as a deployment publishes it at /security-events.
const directory = await mkdtemp(join(tmpdir(), "gatehouse-revocation-"));

const settings = loadSettings({
  GATEHOUSE_DEMO: "true",
  GATEHOUSE_LOG_LEVEL: "silent",
  GATEHOUSE_ISSUER: issuer,
  HOST: "127.0.0.1",
  PORT: "0",
});
let store: Store | undefined;
const gatehouse: RunningServer = await startServer(settings, {
  compose: {
    hasher: createFastHasher(),
    store: (clock) => {
      store = createSqliteStore({ path: join(directory, "gatehouse.db"), clock });
      return store;
    },
  },
});
if (store === undefined) throw new Error("the store was not made");
await store.clients.createClient({
  clientId: client.id,
  name: client.id,
  type: "confidential",
  secretHash: createHash("sha256").update(client.secret).digest("hex"),
  grantTypes: ["client_credentials"],
  scopes: ["events:read"],
  redirectUris: [],
  audiences: [],
  firstParty: false,
});
const gatehouseUrl = `http://127.0.0.1:${gatehouse.port}`;

interface ResourceServer {
  readonly url: string;
  readonly child: ChildProcess;
}

async function startResourceServer(subscribe: boolean): Promise<ResourceServer> {
  const [command, args] = pinned(pinning.server, [`${root}bench/revocation-resource-server.ts`]);
  const child = spawn(command, args, {
    env: {
      ...process.env,
      NODE_OPTIONS: "--conditions=gatehouse-source",
      GATEHOUSE_URL: gatehouseUrl,
      GATEHOUSE_ISSUER: issuer,
      CLIENT_ID: client.id,
      CLIENT_SECRET: client.secret,
      SUBSCRIBE: subscribe ? "1" : "0",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  const { port } = JSON.parse(line.toString()) as { port: number };
  return { url: `http://127.0.0.1:${port}`, child };
}

async function login(): Promise<string> {
  const response = await fetch(`${gatehouseUrl}/token`, {
    method: "POST",
    body: new URLSearchParams({ username: "johndoe", password: "secret" }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`login answered ${response.status}`);
  return body.access_token;
}

async function status(url: string, token: string): Promise<number> {
  const response = await fetch(`${url}/items`, { headers: { authorization: `Bearer ${token}` } });
  await response.body?.cancel();
  return response.status;
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;

/** Logs in, logs out everywhere, and times until the resource server refuses the token. */
async function measureLatency(server: ResourceServer): Promise<number[]> {
  const latencies: number[] = [];
  for (let trial = 0; trial < trials; trial += 1) {
    // A token issued after the previous trial's cut-off (which is exclusive, in ms).
    await new Promise((resolve) => setTimeout(resolve, 2));
    const token = await login();
    if ((await status(server.url, token)) !== 200) throw new Error("a fresh token was refused");
    const started = performance.now();
    const answer = await fetch(`${gatehouseUrl}/users/me/logout-all`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    if (answer.status !== 204) throw new Error(`logout-all answered ${answer.status}`);
    for (;;) {
      const seen = await status(server.url, token);
      if (seen === 401) break;
      if (performance.now() - started > 10_000) throw new Error("never refused");
    }
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}

async function cpuMicros(url: string): Promise<number> {
  return ((await (await fetch(`${url}/cpu`)).json()) as { micros: number }).micros;
}

interface Measured {
  readonly requestsPerSecond: number;
  /** CPU time the resource server spent per request, µs (warm-up included on both sides). */
  readonly cpuPerRequest: number;
}

async function measure(url: string, token: string): Promise<Measured> {
  const before = await cpuMicros(url);
  const summary = await load(url, token);
  const spent = (await cpuMicros(url)) - before;
  // The warm-up second is served too but not counted in `requests`; scale it in.
  const served = summary.requests * ((seconds + 1) / seconds);
  return { requestsPerSecond: summary.requestsPerSecond, cpuPerRequest: spent / served };
}

function load(url: string, token: string): Promise<LoadSummary> {
  return runLoad(pinning.load, {
    url: `${url}/items`,
    connections,
    durationSeconds: seconds,
    warmupSeconds: 1,
    headers: { authorization: `Bearer ${token}` },
  });
}

const subscribed = await startResourceServer(true);
const plain = await startResourceServer(false);
try {
  const latencies = await measureLatency(subscribed);
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  const max = latencies.at(-1) ?? Number.NaN;
  process.stdout.write(
    `logout-all → 401 at the resource server, ${latencies.length} trials: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms (target p99 ≤ 1000 ms: ${p99 <= 1000 ? "met" : "missed"})\n`,
  );

  const token = await login();
  // Only the subscribed server served the trials above: one unmeasured run each, so neither
  // side's first measured run pays for its JIT warm-up.
  await load(plain.url, token);
  await load(subscribed.url, token);
  const on: number[] = [];
  const off: number[] = [];
  const ratios: number[] = [];
  const cpuOff: number[] = [];
  const cpuOn: number[] = [];
  const cpuRatios: number[] = [];
  // Pairs of runs, each pair back to back and the order swapped every other pair (ABBA), so
  // drift on a shared machine falls on both sides alike; the ratio is the median of the pairs'.
  for (let round = 0; round < rounds; round += 1) {
    const first = round % 2 === 0 ? plain : subscribed;
    const second = first === plain ? subscribed : plain;
    const a = await measure(first.url, token);
    const b = await measure(second.url, token);
    const [without, withIt] = first === plain ? [a, b] : [b, a];
    off.push(without.requestsPerSecond);
    on.push(withIt.requestsPerSecond);
    ratios.push(withIt.requestsPerSecond / without.requestsPerSecond);
    cpuOff.push(without.cpuPerRequest);
    cpuOn.push(withIt.cpuPerRequest);
    // Throughput a core gives is the inverse of the CPU time per request.
    cpuRatios.push(without.cpuPerRequest / withIt.cpuPerRequest);
  }
  const median = (values: readonly number[]): number => {
    const sorted = [...values].sort((x, y) => x - y);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1
      ? (sorted[middle] ?? Number.NaN)
      : ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
  };
  const ratio = median(ratios);
  const cpuRatio = median(cpuRatios);
  const list = (values: readonly number[], digits = 0): string =>
    values.map((v) => v.toFixed(digits)).join(", ");
  const percents = (values: readonly number[]): string =>
    values.map((r) => `${(r * 100).toFixed(1)} %`).join(", ");
  process.stdout.write(
    `throughput GET /items (Express guard), ${rounds} pairs of ${seconds} s runs, ${connections} connections: without the subscription ${list(off)} req/s, with it ${list(on)} req/s; median of the pairs' ratios ${(ratio * 100).toFixed(1)} % (${percents(ratios)}) (target ≥ 95 %: ${ratio >= 0.95 ? "met" : "missed"})\n`,
  );
  process.stdout.write(
    `CPU per request at the resource server: without ${list(cpuOff, 1)} µs, with ${list(cpuOn, 1)} µs; as throughput per core, median of the pairs ${(cpuRatio * 100).toFixed(1)} % (${percents(cpuRatios)}) (target ≥ 95 %: ${cpuRatio >= 0.95 ? "met" : "missed"})\n`,
  );
  // The guard's own cost, apart from Express and the machine's noise: verify() in this process,
  // blocks with and without the subscription taking turns.
  const verifiers = [false, true].map((subscribe) =>
    createRemoteVerifier({
      jwksUrl: `${gatehouseUrl}/.well-known/jwks.json`,
      issuer,
      ...(subscribe ? { revocations: { clientId: client.id, clientSecret: client.secret } } : {}),
    }),
  );
  await Promise.all(verifiers.map((verifier) => verifier.revocations?.caughtUpTo(0)));
  const perCall: [number[], number[]] = [[], []];
  const block = 20_000;
  for (let round = 0; round < 12; round += 1) {
    for (const [index, verifier] of verifiers.entries()) {
      const started = performance.now();
      for (let call = 0; call < block; call += 1) await verifier.verify(token, ["items"]);
      // The first rounds warm the JIT and the verified-token cache up.
      if (round >= 2) perCall[index]?.push(((performance.now() - started) * 1000) / block);
    }
  }
  await Promise.all(verifiers.map((verifier) => verifier.revocations?.close()));
  const [plainCalls, subscribedCalls] = perCall.map(median) as [number, number];
  process.stdout.write(
    `verify() of a cached token in process: without the subscription ${plainCalls.toFixed(2)} µs, with it ${subscribedCalls.toFixed(2)} µs per call (${((plainCalls / subscribedCalls) * 100).toFixed(1)} % of the calls per second)\n`,
  );
  const state = await (await fetch(`${subscribed.url}/state`)).json();
  process.stdout.write(`subscription state at the end: ${JSON.stringify(state)}\n`);
} finally {
  subscribed.child.kill("SIGTERM");
  plain.child.kill("SIGTERM");
  await Promise.all([once(subscribed.child, "exit"), once(plain.child, "exit")]);
  await gatehouse.close();
  await rm(directory, { recursive: true, force: true });
}
