// `npm run bench`: builds Gatehouse, measures it against its targets and writes the results.
// Every figure that decides a target is a ratio of two measurements made in the same run.
import { execSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { LoadSummary } from "./load.ts";
import type { Pinning, ServerProcess } from "./processes.ts";
import { choosePinning, root, runLoad, runRawHash, startServerProcess } from "./processes.ts";
import type { BenchResults, TargetResult } from "./report.ts";
import { formatMarkdown, formatTable } from "./report.ts";
import { measureTiming } from "./timing.ts";

const { values: options } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    soak: { type: "string", default: "60" },
    "cpu-prof": { type: "string" },
    "no-write": { type: "boolean", default: false },
    note: { type: "string", default: "" },
  },
});
const seconds = Number(options.seconds);
const soakSeconds = Number(options.soak);
const warmup = 2;
const readConnections = 10;
const stormConnections = 8;
const hashWorkers = 1;
const form = { "content-type": "application/x-www-form-urlencoded" };
const loginBody = "username=johndoe&password=secret";

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function gatehouse(
  cores: string | undefined,
  env: Record<string, string> = {},
  flags: string[] = [],
) {
  return startServerProcess({
    script: "dist/main.js",
    cores,
    env: { GATEHOUSE_HASH_WORKERS: String(hashWorkers), ...env },
    nodeFlags: flags,
  });
}

async function login(server: ServerProcess): Promise<string> {
  const response = await fetch(`${server.url}/token`, {
    method: "POST",
    headers: form,
    body: loginBody,
  });
  const body = (await response.json()) as { access_token?: string };
  if (body.access_token === undefined) throw new Error(`login failed: ${response.status}`);
  return body.access_token;
}

function headerAlgorithm(token: string): string {
  const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString()) as {
    alg?: unknown;
  };
  return String(header.alg);
}

function readMe(server: ServerProcess, token: string, pinning: Pinning, warm = warmup) {
  return runLoad(pinning.load, {
    url: `${server.url}/users/me/`,
    connections: readConnections,
    durationSeconds: seconds,
    warmupSeconds: warm,
    headers: { authorization: `Bearer ${token}` },
  });
}

function loginLoad(server: ServerProcess, pinning: Pinning, connections: number, duration: number) {
  return runLoad(pinning.load, {
    url: `${server.url}/token`,
    connections,
    durationSeconds: duration,
    warmupSeconds: 0,
    method: "POST",
    headers: form,
    body: loginBody,
  });
}

/** `/users/me/` measured while 8 clients log in continuously. */
async function underStorm(server: ServerProcess, token: string, pinning: Pinning) {
  const storm = loginLoad(server, pinning, stormConnections, seconds + 3);
  // The storm gets a head start, so the reads are measured with it in full swing.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const reads = await readMe(server, token, pinning, 0);
  return { reads, logins: await storm };
}

function unexpected(summary: LoadSummary, expected: readonly string[]): number {
  return Object.entries(summary.statuses)
    .filter(([status]) => !expected.includes(status))
    .reduce((sum, [, count]) => sum + count, 0);
}

async function soak(pinning: Pinning) {
  const server = await gatehouse(pinning.server);
  try {
    const idleKiB = server.rssKiB();
    const token = await login(server);
    const mixed = (duration: number) =>
      Promise.all([
        loginLoad(server, pinning, 2, duration),
        runLoad(pinning.load, {
          url: `${server.url}/users/me/items/`,
          connections: 6,
          durationSeconds: duration,
          warmupSeconds: 0,
          headers: { authorization: `Bearer ${token}` },
        }),
        runLoad(pinning.load, {
          url: `${server.url}/users/me/`,
          connections: 2,
          durationSeconds: duration,
          warmupSeconds: 0,
          headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` },
        }),
      ]);
    log(`soak: warm-up ${Math.min(10, soakSeconds)} s`);
    await mixed(Math.min(10, soakSeconds));
    const warmKiB = server.rssKiB();
    log(`soak: ${soakSeconds} s of logins, protected reads and bad tokens`);
    const [logins, reads, bad] = await mixed(soakSeconds);
    const afterKiB = server.rssKiB();
    const unexpectedStatuses =
      unexpected(logins, ["200"]) + unexpected(reads, ["200"]) + unexpected(bad, ["401"]);
    const socketErrors =
      logins.errors + reads.errors + bad.errors + logins.timeouts + reads.timeouts + bad.timeouts;
    return { idleKiB, warmKiB, afterKiB, logins, reads, bad, unexpectedStatuses, socketErrors };
  } finally {
    await server.stop();
  }
}

/** Tries EdDSA, then ES256: whichever this build signs with when asked. */
async function asymmetric(pinning: Pinning) {
  for (const algorithm of ["EdDSA", "ES256"]) {
    const server = await gatehouse(pinning.server, { GATEHOUSE_SIGNING_ALGORITHM: algorithm });
    try {
      const token = await login(server);
      if (headerAlgorithm(token) !== algorithm) continue;
      log(`${algorithm}: /users/me/`);
      return { algorithm, reads: await readMe(server, token, pinning) };
    } finally {
      await server.stop();
    }
  }
  return undefined;
}

function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    nproc: execSync("nproc").toString().trim(),
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

function target(
  id: string,
  name: string,
  measured: string,
  goal: string,
  pass: boolean | undefined,
): TargetResult {
  return { id, name, measured, goal, verdict: pass === undefined ? "n/a" : pass ? "PASS" : "MISS" };
}

const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  log("building: npm run build");
  execSync("npm run build", { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  const pinning = choosePinning();
  log(pinning.description);

  log("bare route (the ceiling)");
  const bareServer = await startServerProcess({
    script: "bench/bare-server.ts",
    cores: pinning.server,
  });
  const bare = await runLoad(pinning.load, {
    url: `${bareServer.url}/bare`,
    connections: readConnections,
    durationSeconds: seconds,
    warmupSeconds: warmup,
  });
  await bareServer.stop();

  const profileFlags =
    options["cpu-prof"] === undefined
      ? []
      : ["--cpu-prof", `--cpu-prof-dir=${options["cpu-prof"]}`];
  const server = await gatehouse(pinning.server, {}, profileFlags);
  let me: LoadSummary;
  let storm: Awaited<ReturnType<typeof underStorm>>;
  let logins: LoadSummary;
  let rawBefore: number;
  let rawAfter: number;
  let timing: Awaited<ReturnType<typeof measureTiming>>;
  try {
    const token = await login(server);
    log("HS256: /users/me/");
    me = await readMe(server, token, pinning);
    log("login storm on one core");
    storm = await underStorm(server, token, pinning);
    log("logins per second vs the raw hash rate");
    rawBefore = (await runRawHash(pinning.server, hashWorkers, seconds / 2)).perSecond;
    logins = await loginLoad(server, pinning, 4, seconds);
    rawAfter = (await runRawHash(pinning.server, hashWorkers, seconds / 2)).perSecond;
    log("timing: unknown user vs wrong password");
    timing = await measureTiming(server.url, 60);
  } finally {
    await server.stop();
  }

  const asym = await asymmetric(pinning);

  log("two cores: server unpinned");
  const wide = await gatehouse(undefined);
  let wideMe: LoadSummary;
  let wideStorm: Awaited<ReturnType<typeof underStorm>>;
  try {
    const token = await login(wide);
    wideMe = await readMe(wide, token, pinning);
    wideStorm = await underStorm(wide, token, pinning);
  } finally {
    await wide.stop();
  }

  const soaked = await soak(pinning);

  const raw = (rawBefore + rawAfter) / 2;
  const meRatio = me.requestsPerSecond / bare.requestsPerSecond;
  const asymRatio =
    asym === undefined ? undefined : asym.reads.requestsPerSecond / me.requestsPerSecond;
  const stormRatio = storm.reads.requestsPerSecond / me.requestsPerSecond;
  const stormP99 = storm.reads.p99Ms / me.p99Ms;
  const wideRatio = wideStorm.reads.requestsPerSecond / wideMe.requestsPerSecond;
  const wideP99 = wideStorm.reads.p99Ms / wideMe.p99Ms;
  const loginRatio = logins.requestsPerSecond / raw;
  const growth = soaked.afterKiB / soaked.warmKiB - 1;
  const loginErrors = unexpected(logins, ["200"]) + logins.errors + logins.timeouts;

  const targets: TargetResult[] = [
    target(
      "1",
      "GET /users/me/ vs bare route",
      `${pct(meRatio)} (${me.requestsPerSecond.toFixed(0)} vs ${bare.requestsPerSecond.toFixed(0)} req/s; p99 ${me.p99Ms} ms vs ${bare.p99Ms} ms)${meRatio >= 0.75 ? ", stretch 75 % met" : ""}`,
      "≥ 65 % (stretch 75 %)",
      meRatio >= 0.65,
    ),
    target(
      "2",
      "asymmetric tokens vs HS256",
      asym === undefined || asymRatio === undefined
        ? "n/a (EdDSA signing not available in this build)"
        : `${asym.algorithm}: ${pct(asymRatio)} (${asym.reads.requestsPerSecond.toFixed(0)} req/s, p99 ${asym.reads.p99Ms} ms)`,
      "≥ 90 %",
      asymRatio === undefined ? undefined : asymRatio >= 0.9,
    ),
    target(
      "3",
      "/users/me/ under a login storm, one core",
      `${pct(stormRatio)} of unloaded, p99 ${stormP99.toFixed(2)}× (${storm.reads.p99Ms} vs ${me.p99Ms} ms; ${storm.logins.requestsPerSecond.toFixed(1)} logins/s); two cores: ${pct(wideRatio)}, p99 ${wideP99.toFixed(2)}×`,
      "≥ 50 %, p99 ≤ 3×",
      stormRatio >= 0.5 && stormP99 <= 3,
    ),
    target(
      "4",
      "/token logins vs raw hash rate",
      `${pct(loginRatio)} (${logins.requestsPerSecond.toFixed(1)} logins/s vs ${raw.toFixed(1)} verifications/s on ${hashWorkers} thread${loginErrors > 0 ? `; ${loginErrors} failed logins` : ""})`,
      "≥ 90 %",
      loginRatio >= 0.9 && loginErrors === 0,
    ),
    target(
      "5",
      "RSS over a mixed soak",
      `idle ${(soaked.idleKiB / 1024).toFixed(1)} MiB, after warm-up ${(soaked.warmKiB / 1024).toFixed(1)} MiB, after ${soakSeconds} s ${(soaked.afterKiB / 1024).toFixed(1)} MiB (${growth >= 0 ? "+" : ""}${pct(growth)}); ${soaked.unexpectedStatuses} unexpected statuses, ${soaked.socketErrors} socket errors`,
      "growth ≤ 10 %, zero unexpected",
      growth <= 0.1 && soaked.unexpectedStatuses === 0 && soaked.socketErrors === 0,
    ),
    target(
      "timing",
      "unknown user ÷ wrong password (medians)",
      `${timing.ratio.toFixed(3)} (${timing.cases.map((c) => `${c.name} ${c.medianMs.toFixed(2)} ms`).join(", ")}; ${timing.samplesPerCase} each, interleaved${timing.unexpected > 0 ? `; ${timing.unexpected} answers other than 400` : ""})`,
      "0.8 – 1.25",
      timing.ratio >= 0.8 && timing.ratio <= 1.25 && timing.unexpected === 0,
    ),
  ];

  const loadAfter = loadavg();
  const results: BenchResults = {
    date: startedAt.toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    machine: machine(),
    pinning: pinning.description,
    loadAverage: { before: loadBefore, after: loadAfter },
    note: options.note,
    settings: {
      seconds,
      soakSeconds,
      readConnections,
      stormConnections,
      hashWorkers,
      logLevel: "warn",
    },
    targets,
    raw: {
      bare,
      me,
      asymmetric: asym ?? null,
      storm,
      twoCores: { me: wideMe, storm: wideStorm },
      logins,
      rawHashPerSecond: { before: rawBefore, after: rawAfter },
      timing,
      soak: soaked,
    },
  };
  process.stdout.write(`${formatTable(results)}\n${JSON.stringify(results, null, 2)}\n`);
  if (!options["no-write"]) {
    const dir = join(root, "bench", "results");
    mkdirSync(dir, { recursive: true });
    const stem = join(dir, startedAt.toISOString().slice(0, 10));
    writeFileSync(`${stem}.md`, formatMarkdown(results));
    writeFileSync(`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`);
    log(`results written to bench/results/${startedAt.toISOString().slice(0, 10)}.{md,json}`);
  }
}

await main();
