// `npm run bench`: builds Gatehouse, measures it against its targets and writes the results.
// Every figure that decides a target is a ratio of two measurements made in the same run.
import { execSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { serverNodeFlags } from "gatehouse-auth/server/heap-tuning";
import type { LoadSummary } from "./load.ts";
import { measurePostgresTarget } from "./postgres-target.ts";
import type { Pinning, ServerProcess, ThreadCpu } from "./processes.ts";
import { choosePinning, root, runLoad, runRawHash, startServerProcess } from "./processes.ts";
import type { BenchResults, TargetResult } from "./report.ts";
import { formatMarkdown, formatTable } from "./report.ts";
import { combine, interleave, median, medianInterval } from "./rounds.ts";
import { measureTiming } from "./timing.ts";

const { values: options } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    soak: { type: "string", default: "60" },
    "cpu-prof": { type: "string" },
    "no-write": { type: "boolean", default: false },
    note: { type: "string", default: "" },
    // Runs one target alone and prints it, writing nothing: for iterating on that target.
    only: { type: "string" },
  },
});
/** Length of one measured round, in seconds. */
const seconds = Number(options.seconds);
const rounds = Number(options.rounds);
// The hash rate of a shared host drifts by a tenth from one 5 s round to the next, more than any
// other figure here, so the login target takes four times the rounds: 12 by default, enough for a
// 96 % confidence interval of the median between its 3rd and 10th ratios.
const loginRounds = rounds * 4;
const soakSeconds = Number(options.soak);
// Long enough for V8 to size its heap under this load (its first full collection comes after
// about 30 s here), so the soak measures growth rather than the heap settling in.
const soakWarmupSeconds = Math.min(40, soakSeconds);
const warmup = 2;
const readConnections = 10;
const stormConnections = 8;
const hashWorkers = 1;
const form = { "content-type": "application/x-www-form-urlencoded" };
const loginBody = "username=johndoe&password=secret";
// Wrong passwords for one account, which the default throttle soon locks: nearly every answer a 429.
const lockedBody = "username=johndoe&password=not-the-password";

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function gatehouse(
  cores: string | undefined,
  env: Record<string, string> = {},
  flags: string[] = [],
) {
  return startServerProcess({
    script: "packages/service/dist/server/main.js",
    cores,
    env: { GATEHOUSE_HASH_WORKERS: String(hashWorkers), ...env },
    // Started as `npm start` starts it.
    nodeFlags: [...serverNodeFlags, ...flags],
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

/** GETs of `url` by the readers, with `headers` when given. */
function read(url: string, pinning: Pinning, warm: number, headers?: Record<string, string>) {
  return runLoad(pinning.load, {
    url,
    connections: readConnections,
    durationSeconds: seconds,
    warmupSeconds: warm,
    ...(headers === undefined ? {} : { headers }),
  });
}

function readMe(server: ServerProcess, token: string, pinning: Pinning, warm = warmup) {
  return read(`${server.url}/users/me/`, pinning, warm, { authorization: `Bearer ${token}` });
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

/** Login rounds against one server, with the CPU time its threads spent on them. */
interface LoginRounds {
  readonly loads: LoadSummary[];
  cpu: ThreadCpu;
}

/** One round of logins, adding the CPU time the server's threads spent to `rounds`. */
async function measuredLogins(
  server: ServerProcess,
  pinning: Pinning,
  rounds: LoginRounds,
): Promise<void> {
  const before = server.threadCpuMs();
  rounds.loads.push(await loginLoad(server, pinning, 4, seconds));
  const after = server.threadCpuMs();
  rounds.cpu = {
    main: rounds.cpu.main + after.main - before.main,
    hashing: rounds.cpu.hashing + after.hashing - before.hashing,
  };
}

/** What the one-core login rounds cost each thread, set against one raw verification. */
function oneCoreLoginObservation(cpu: ThreadCpu, logins: number, rawPerSecond: number): string {
  const mainMs = cpu.main / logins;
  const hashMs = cpu.hashing / logins;
  const rawMs = 1000 / rawPerSecond;
  return `With the whole server on one core, a login took ${mainMs.toFixed(2)} ms of main-thread CPU and ${hashMs.toFixed(2)} ms on the hash thread, against ${rawMs.toFixed(2)} ms a verification in the raw rounds (CPU time from /proc, 10 ms ticks): the main thread alone caps that ratio at ${pct(rawMs / (rawMs + mainMs))}, and raw ÷ (hash thread + main thread) gives ${pct(rawMs / (hashMs + mainMs))}.`;
}

/** How busy the two-core login rounds kept the hash thread, and what the event loop spent. */
function twoCoreLoginObservation(cpu: ThreadCpu, summary: LoadSummary): string {
  return `With the server unpinned, the hash thread was busy ${pct(cpu.hashing / (summary.seconds * 1000 * hashWorkers))} of the rounds' time (${(cpu.hashing / summary.requests).toFixed(2)} ms a login) while the event loop, on the other core, spent ${(cpu.main / summary.requests).toFixed(2)} ms a login.`;
}

/** Target 4's rounds: raw hash rounds interleaved with login rounds on both servers. */
interface LoginMeasurement {
  readonly twoCore: LoginRounds;
  readonly oneCore: LoginRounds;
  /** One more raw round than login rounds: each login round sits between two. */
  readonly rawRates: number[];
}

async function measureLogins(
  wide: ServerProcess,
  server: ServerProcess,
  pinning: Pinning,
): Promise<LoginMeasurement> {
  // Target 4 on the layout the default configuration gives (one hash worker fewer than the
  // cores): the event loop and the hash thread each on a core. And, for comparison, on one core.
  const twoCore: LoginRounds = { loads: [], cpu: { main: 0, hashing: 0 } };
  const oneCore: LoginRounds = { loads: [], cpu: { main: 0, hashing: 0 } };
  log(
    `logins per second vs the raw hash rate: ${loginRounds} interleaved rounds, the server unpinned and on one core`,
  );
  const hashing = await interleave(
    loginRounds,
    () => runRawHash(pinning.server, hashWorkers, seconds),
    async () => {
      await measuredLogins(wide, pinning, twoCore);
      await measuredLogins(server, pinning, oneCore);
    },
  );
  const closing = await runRawHash(pinning.server, hashWorkers, seconds);
  return { twoCore, oneCore, rawRates: [...hashing.first, closing].map((r) => r.perSecond) };
}

/** Target 4 from its rounds, with the raw figures and the observations it explains itself by. */
function loginTarget({ twoCore, oneCore, rawRates }: LoginMeasurement) {
  const raw = rawRates.reduce((sum, rate) => sum + rate, 0) / rawRates.length;
  // Each login round against the mean of the raw rounds on either side of it, which cancels a
  // steady drift of the machine's speed; then the median, which one round slowed or sped up by
  // the rest of the machine moves less than the mean of either side.
  const ratiosOf = (measured: LoginRounds): number[] =>
    measured.loads.map(
      (load, i) =>
        load.requestsPerSecond /
        (((rawRates[i] ?? Number.NaN) + (rawRates[i + 1] ?? Number.NaN)) / 2),
    );
  const ratios = ratiosOf(twoCore);
  const logins = combine(twoCore.loads);
  const oneCoreLoads = combine(oneCore.loads);
  const loginRatio = median(ratios);
  const spread = medianInterval(ratios);
  const oneCoreRatio = median(ratiosOf(oneCore));
  const loginErrors = [logins, oneCoreLoads].reduce(
    (sum, load) => sum + unexpected(load, ["200"]) + load.errors + load.timeouts,
    0,
  );
  // A miss is only a miss of the code when the goal lies above the whole interval; inside it,
  // the rounds cannot tell the median from the goal.
  const verdictOfSpread =
    loginRatio >= 0.9
      ? ""
      : spread.high < 0.9
        ? "; the goal lies above the interval: a miss outside the spread"
        : "; the goal lies inside the interval: a miss within the spread";
  return {
    raw: {
      logins,
      loginsOnOneCore: oneCoreLoads,
      rawHashPerSecond: rawRates,
      loginsPerSecondByRound: twoCore.loads.map((load) => load.requestsPerSecond),
      loginsPerSecondByRoundOnOneCore: oneCore.loads.map((load) => load.requestsPerSecond),
      loginRatiosByRound: ratios,
      loginRatioMedianInterval: spread,
    },
    target: target(
      "4",
      "/token logins vs raw hash rate",
      `${pct(loginRatio)} with the server unpinned, the median of ${loginRounds} interleaved rounds (${pct(spread.confidence)} interval of the median ${pct(spread.low)} – ${pct(spread.high)}${verdictOfSpread}; means: ${logins.requestsPerSecond.toFixed(1)} logins/s vs ${raw.toFixed(1)} verifications/s on ${hashWorkers} thread, ${pct(logins.requestsPerSecond / raw)}${loginErrors > 0 ? `; ${loginErrors} failed logins` : ""}); with the event loop sharing the hash thread's core: ${pct(oneCoreRatio)} (${oneCoreLoads.requestsPerSecond.toFixed(1)} logins/s)`,
      "≥ 90 %",
      loginRatio >= 0.9 && loginErrors === 0,
    ),
    observations: [
      twoCoreLoginObservation(twoCore.cpu, logins),
      oneCoreLoginObservation(oneCore.cpu, oneCoreLoads.requests, raw),
    ],
  };
}

/** Target 1's rounds: the bare route, the bare route with Gatehouse's headers, `/users/me/`. */
async function measureCeiling(
  bareServer: ServerProcess,
  server: ServerProcess,
  token: string,
  pinning: Pinning,
) {
  log(
    `bare route, bare route with the service's headers, HS256 /users/me/: ${rounds} interleaved rounds of ${seconds} s`,
  );
  const bare: LoadSummary[] = [];
  const headers: LoadSummary[] = [];
  const me: LoadSummary[] = [];
  for (let round = 0; round < rounds; round++) {
    const warm = round === 0 ? warmup : 0;
    bare.push(await read(`${bareServer.url}/bare`, pinning, warm));
    headers.push(await read(`${bareServer.url}/headers`, pinning, warm));
    me.push(await readMe(server, token, pinning, warm));
  }
  return { bare: combine(bare), headers: combine(headers), me: combine(me) };
}

/** Target 1 from its rounds and the same server's `/healthz` beside `/users/me/`. */
function ceilingTarget(
  ceiling: { bare: LoadSummary; headers: LoadSummary; me: LoadSummary },
  split?: { healthz: LoadSummary; meBesideHealthz: LoadSummary },
): TargetResult {
  const { bare, headers, me } = ceiling;
  const ratio = me.requestsPerSecond / headers.requestsPerSecond;
  const bareRatio = me.requestsPerSecond / bare.requestsPerSecond;
  const splitText =
    split === undefined
      ? ""
      : `; split: /healthz of the same server ${pct(split.healthz.requestsPerSecond / bare.requestsPerSecond)} of the bare route (${split.healthz.requestsPerSecond.toFixed(0)} req/s), /users/me/ ${pct(split.meBesideHealthz.requestsPerSecond / split.healthz.requestsPerSecond)} of that /healthz`;
  return target(
    "1",
    "GET /users/me/ vs bare route with the same headers",
    `${pct(ratio)} (${me.requestsPerSecond.toFixed(0)} vs ${headers.requestsPerSecond.toFixed(0)} req/s; p99 ${me.p99Ms} ms vs ${headers.p99Ms} ms)${ratio >= 0.75 ? ", stretch 75 % met" : ""}; against the bare route without them ${pct(bareRatio)} (${bare.requestsPerSecond.toFixed(0)} req/s, p99 ${bare.p99Ms} ms)${splitText}`,
    "≥ 65 % (stretch 75 %)",
    ratio >= 0.65,
  );
}

/** `/users/me/` measured while 8 clients log in continuously. */
async function underStorm(server: ServerProcess, token: string, pinning: Pinning) {
  const storm = loginLoad(server, pinning, stormConnections, seconds + 3);
  // The storm gets a head start, so the reads are measured with it in full swing.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const reads = await readMe(server, token, pinning, 0);
  return { reads, logins: await storm };
}

/**
 * `/users/me/` measured while 8 clients hammer `/token` with wrong passwords for one account.
 * The first attempts lock it; from then on almost every answer is a refusal (429), and the
 * account is let in for one attempt each time its lock (1 s, doubling) runs out.
 */
async function underLockedStorm(server: ServerProcess, token: string, pinning: Pinning) {
  const storm = runLoad(pinning.load, {
    url: `${server.url}/token`,
    connections: stormConnections,
    durationSeconds: seconds + 3,
    warmupSeconds: 0,
    method: "POST",
    headers: form,
    body: lockedBody,
  });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const reads = await readMe(server, token, pinning, 0);
  return { reads, refusals: await storm };
}

/** Target "postgres" (issue 17): /users/me/ on PostgreSQL vs SQLite, both servers on one core. */
async function postgresReads(pinning: Pinning) {
  const measured = await measurePostgresTarget({
    rounds,
    warmup,
    start: (env) => gatehouse(pinning.server, { GATEHOUSE_SIGNING_ALGORITHM: "HS256", ...env }),
    login,
    readMe: (server, token, warm) => readMe(server, token, pinning, warm),
    log,
  });
  return {
    raw: measured,
    target: target(
      "postgres",
      "/users/me/ on PostgreSQL vs SQLite, one core",
      measured.ran
        ? `${pct(measured.ratio)} (${measured.postgres.requestsPerSecond.toFixed(0)} vs ${measured.sqlite.requestsPerSecond.toFixed(0)} req/s; p99 ${measured.postgres.p99Ms} vs ${measured.sqlite.p99Ms} ms; PostgreSQL reads ${measured.reads})`
        : `n/a (${measured.reason})`,
      "≥ 85 %",
      measured.ran ? measured.ratio >= 0.85 : undefined,
    ),
  };
}

/** Target "locked": its own server, so its locks touch no other target's logins. */
async function lockedRefusals(pinning: Pinning) {
  // The server of targets 1–3 (HS256, pinned to one core) with the default throttle, which the
  // other targets turn off.
  const server = await gatehouse(pinning.server, {
    GATEHOUSE_SIGNING_ALGORITHM: "HS256",
    GATEHOUSE_THROTTLE_FREE_FAILURES: "5",
    GATEHOUSE_THROTTLE_ADDRESS_FREE_FAILURES: "20",
  });
  try {
    const token = await login(server);
    log(`locked-account refusals on one core: ${rounds} unloaded and hammered rounds interleaved`);
    let round = 0;
    // Main-thread CPU of each side, to say what one refusal costs against one read.
    let unloadedCpu = 0;
    let hammeredCpu = 0;
    const withCpu = async <T>(measure: () => Promise<T>, add: (ms: number) => void) => {
      const before = server.threadCpuMs().main;
      const result = await measure();
      add(server.threadCpuMs().main - before);
      return result;
    };
    const measured = await interleave(
      rounds,
      () =>
        withCpu(
          () => readMe(server, token, pinning, round++ === 0 ? warmup : 0),
          (ms) => {
            unloadedCpu += ms;
          },
        ),
      () =>
        withCpu(
          () => underLockedStorm(server, token, pinning),
          (ms) => {
            hammeredCpu += ms;
          },
        ),
    );
    const unloaded = combine(measured.first);
    const reads = combine(measured.second.map((s) => s.reads));
    const refusals = combine(measured.second.map((s) => s.refusals));
    const ratio = reads.requestsPerSecond / unloaded.requestsPerSecond;
    const share = (refusals.statuses["429"] ?? 0) / Math.max(1, refusals.requests);
    // The warm-up's reads are in the unloaded CPU too; its requests are not in the summary.
    const readMicros =
      (unloadedCpu * 1000) / (unloaded.requests * (1 + warmup / (rounds * seconds)));
    // The storm starts 1.5 s before the reads and ends after them: its CPU is all in the round.
    const refusalMicros =
      (hammeredCpu * 1000 - reads.requests * readMicros) / Math.max(1, refusals.requests);
    return {
      raw: { unloaded, reads, refusals },
      target: target(
        "locked",
        "/users/me/ while one locked account is hammered, one core",
        `${pct(ratio)} of unloaded (${reads.requestsPerSecond.toFixed(0)} vs ${unloaded.requestsPerSecond.toFixed(0)} req/s, p99 ${reads.p99Ms} vs ${unloaded.p99Ms} ms); ${refusals.requestsPerSecond.toFixed(0)} /token answers/s by ${stormConnections} clients, ${pct(share)} of them 429; main-thread CPU about ${refusalMicros.toFixed(0)} µs a refusal against ${readMicros.toFixed(0)} µs a read (10 ms ticks)`,
        "≥ 80 %",
        ratio >= 0.8,
      ),
    };
  } finally {
    await server.stop();
  }
}

function unexpected(summary: LoadSummary, expected: readonly string[]): number {
  return Object.entries(summary.statuses)
    .filter(([status]) => !expected.includes(status))
    .reduce((sum, [, count]) => sum + count, 0);
}

/** RSS once the server is idle again: the median of a few samples after a short pause. */
async function settledRssKiB(server: ServerProcess): Promise<number> {
  const samples: number[] = [];
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (let i = 0; i < 5; i++) {
    samples.push(server.rssKiB());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return samples.sort((a, b) => a - b)[2] ?? Number.NaN;
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
    log(`soak: warm-up ${soakWarmupSeconds} s`);
    await mixed(soakWarmupSeconds);
    const warmKiB = await settledRssKiB(server);
    log(`soak: ${soakSeconds} s of logins, protected reads and bad tokens`);
    // RSS jumps by an argon2 buffer (19 MiB) whenever a hash runs, so growth is judged on the
    // trend: the median of the soak's first ten one-second samples against its last ten.
    const samples: number[] = [];
    const sampler = setInterval(() => samples.push(server.rssKiB()), 1000);
    const [logins, reads, bad] = await mixed(soakSeconds).finally(() => clearInterval(sampler));
    const afterKiB = await settledRssKiB(server);
    const window = Math.min(10, Math.floor(samples.length / 2));
    const firstKiB = median(samples.slice(0, window));
    const lastKiB = median(samples.slice(-window));
    const unexpectedStatuses =
      unexpected(logins, ["200"]) + unexpected(reads, ["200"]) + unexpected(bad, ["401"]);
    const socketErrors =
      logins.errors + reads.errors + bad.errors + logins.timeouts + reads.timeouts + bad.timeouts;
    return {
      idleKiB,
      warmKiB,
      afterKiB,
      firstKiB,
      lastKiB,
      samples,
      logins,
      reads,
      bad,
      unexpectedStatuses,
      socketErrors,
    };
  } finally {
    await server.stop();
  }
}

/**
 * Tries EdDSA, then ES256: whichever this build signs with when asked. Its `/users/me/` is
 * measured in rounds interleaved with the HS256 server's.
 */
async function asymmetric(pinning: Pinning, hs256: () => Promise<LoadSummary>) {
  for (const algorithm of ["EdDSA", "ES256"]) {
    let server: ServerProcess;
    try {
      server = await gatehouse(pinning.server, { GATEHOUSE_SIGNING_ALGORITHM: algorithm });
    } catch (error) {
      // A build that refuses the setting (or needs more to use it) simply lacks that algorithm.
      log(`${algorithm}: server did not start (${String(error).split("\n")[0]})`);
      continue;
    }
    try {
      const token = await login(server);
      if (headerAlgorithm(token) !== algorithm) continue;
      log(`${algorithm} vs HS256: /users/me/, ${rounds} interleaved rounds`);
      let round = 0;
      const measured = await interleave(rounds, hs256, () =>
        readMe(server, token, pinning, round++ === 0 ? warmup : 0),
      );
      return { algorithm, hs256: combine(measured.first), reads: combine(measured.second) };
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

/** A shell word as typed: quoted when it holds anything but plain characters. */
const quoted = (word: string): string =>
  /^[\w./=:-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)} %`;
const mib = (kib: number): string => (kib / 1024).toFixed(1);

/** `--only ID`: one target alone, on servers of its own, printed and not written. */
async function onlyTarget(id: string, pinning: Pinning) {
  if (id === "locked") return lockedRefusals(pinning);
  if (id === "1") {
    const bareServer = await startServerProcess({
      script: "bench/bare-server.ts",
      cores: pinning.server,
      nodeFlags: [...serverNodeFlags],
    });
    try {
      const server = await gatehouse(pinning.server, { GATEHOUSE_SIGNING_ALGORITHM: "HS256" });
      try {
        const ceiling = await measureCeiling(bareServer, server, await login(server), pinning);
        return { target: ceilingTarget(ceiling), raw: ceiling };
      } finally {
        await server.stop();
      }
    } finally {
      await bareServer.stop();
    }
  }
  if (id === "4" || id === "logins") {
    const server = await gatehouse(pinning.server, { GATEHOUSE_SIGNING_ALGORITHM: "HS256" });
    try {
      const wide = await gatehouse(undefined, { GATEHOUSE_SIGNING_ALGORITHM: "HS256" });
      try {
        return loginTarget(await measureLogins(wide, server, pinning));
      } finally {
        await wide.stop();
      }
    } finally {
      await server.stop();
    }
  }
  throw new Error(`--only knows the targets 1, 4 (or logins) and locked, not ${id}`);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadavg();
  log("building: npm run build");
  execSync("npm run build", { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  const pinning = choosePinning();
  log(pinning.description);
  if (options.only === "postgres") {
    const onPostgres = await postgresReads(pinning);
    process.stdout.write(
      `${JSON.stringify({ pinning: pinning.description, loadAverage: { before: loadBefore, after: loadavg() }, target: onPostgres.target, raw: onPostgres.raw }, null, 2)}\n`,
    );
    return;
  }
  if (options.only !== undefined) {
    const only = await onlyTarget(options.only, pinning);
    const loadAfter = loadavg();
    process.stdout.write(
      `${JSON.stringify({ pinning: pinning.description, loadAverage: { before: loadBefore, after: loadAfter }, ...only }, null, 2)}\n`,
    );
    return;
  }

  const profileFlags =
    options["cpu-prof"] === undefined
      ? []
      : ["--cpu-prof", `--cpu-prof-dir=${options["cpu-prof"]}`];
  // The same process setup as Gatehouse: the node flags `npm start` passes, on the same core.
  const bareServer = await startServerProcess({
    script: "bench/bare-server.ts",
    cores: pinning.server,
    nodeFlags: [...serverNodeFlags],
  });
  // HS256 explicitly: new installs sign with EdDSA, and target 2 compares against this server.
  const server = await gatehouse(
    pinning.server,
    { GATEHOUSE_SIGNING_ALGORITHM: "HS256" },
    profileFlags,
  );
  // The same server unpinned, for target 4 and the two-core figure of target 3.
  const wide = await gatehouse(undefined, { GATEHOUSE_SIGNING_ALGORITHM: "HS256" });
  let ceiling: Awaited<ReturnType<typeof measureCeiling>>;
  let bareAgain: LoadSummary;
  let busy: LoadSummary;
  let healthz: LoadSummary;
  let meBesideHealthz: LoadSummary;
  let unloaded: LoadSummary;
  let storm: { reads: LoadSummary; logins: LoadSummary };
  let loginMeasurement: LoginMeasurement;
  let timing: Awaited<ReturnType<typeof measureTiming>>;
  let asym: Awaited<ReturnType<typeof asymmetric>>;
  try {
    const token = await login(server);
    if (headerAlgorithm(token) !== "HS256")
      throw new Error("the HS256 server issued another algorithm");
    ceiling = await measureCeiling(bareServer, server, token, pinning);

    // Not a target: what the ceiling keeps when its route adds a fixed 10 µs of CPU.
    log(`bare route vs the same route after 10 µs of busy work: ${rounds} interleaved rounds`);
    const calibration = await interleave(
      rounds,
      () => read(`${bareServer.url}/bare`, pinning, 0),
      () => read(`${bareServer.url}/busy`, pinning, 0),
    );
    bareAgain = combine(calibration.first);
    busy = combine(calibration.second);
    await bareServer.stop();

    // Not a target: the same process's /healthz carries the request envelope (id, security
    // headers, metrics, access log) and no authorization, which splits the gap in two.
    log(`/healthz vs /users/me/ on the same server: ${rounds} interleaved rounds`);
    const envelope = await interleave(
      rounds,
      () => read(`${server.url}/healthz`, pinning, 0),
      () => readMe(server, token, pinning, 0),
    );
    healthz = combine(envelope.first);
    meBesideHealthz = combine(envelope.second);

    log("login storm on one core: unloaded and stormed rounds interleaved");
    const stormed = await interleave(
      rounds,
      () => readMe(server, token, pinning, 0),
      () => underStorm(server, token, pinning),
    );
    unloaded = combine(stormed.first);
    storm = {
      reads: combine(stormed.second.map((s) => s.reads)),
      logins: combine(stormed.second.map((s) => s.logins)),
    };

    loginMeasurement = await measureLogins(wide, server, pinning);

    log("timing: unknown user vs wrong password");
    timing = await measureTiming(server.url, 60);

    asym = await asymmetric(pinning, () => readMe(server, token, pinning, 0));
  } catch (error) {
    await wide.stop();
    throw error;
  } finally {
    await bareServer.stop();
    await server.stop();
  }

  log("two cores: server unpinned");
  let wideMe: LoadSummary;
  let wideStorm: { reads: LoadSummary; logins: LoadSummary };
  try {
    const token = await login(wide);
    const stormed = await interleave(
      rounds,
      () => readMe(wide, token, pinning),
      () => underStorm(wide, token, pinning),
    );
    wideMe = combine(stormed.first);
    wideStorm = {
      reads: combine(stormed.second.map((s) => s.reads)),
      logins: combine(stormed.second.map((s) => s.logins)),
    };
  } finally {
    await wide.stop();
  }

  const locked = await lockedRefusals(pinning);
  const soaked = await soak(pinning);

  const { bare, me } = ceiling;
  const asymRatio =
    asym === undefined ? undefined : asym.reads.requestsPerSecond / asym.hs256.requestsPerSecond;
  const stormRatio = storm.reads.requestsPerSecond / unloaded.requestsPerSecond;
  const stormP99 = storm.reads.p99Ms / unloaded.p99Ms;
  const wideRatio = wideStorm.reads.requestsPerSecond / wideMe.requestsPerSecond;
  const wideP99 = wideStorm.reads.p99Ms / wideMe.p99Ms;
  const growth = soaked.lastKiB / soaked.firstKiB - 1;
  const logins = loginTarget(loginMeasurement);

  const targets: TargetResult[] = [
    ceilingTarget(ceiling, { healthz, meBesideHealthz }),
    target(
      "2",
      "asymmetric tokens vs HS256",
      asym === undefined || asymRatio === undefined
        ? "n/a (EdDSA signing not available in this build)"
        : `${asym.algorithm}: ${pct(asymRatio)} (${asym.reads.requestsPerSecond.toFixed(0)} vs ${asym.hs256.requestsPerSecond.toFixed(0)} req/s; p99 ${asym.reads.p99Ms} vs ${asym.hs256.p99Ms} ms)`,
      "≥ 90 %",
      asymRatio === undefined ? undefined : asymRatio >= 0.9,
    ),
    target(
      "3",
      "/users/me/ under a login storm, one core",
      `${pct(stormRatio)} of unloaded (${storm.reads.requestsPerSecond.toFixed(0)} vs ${unloaded.requestsPerSecond.toFixed(0)} req/s), p99 ${stormP99.toFixed(2)}× (${storm.reads.p99Ms} vs ${unloaded.p99Ms} ms; ${storm.logins.requestsPerSecond.toFixed(1)} logins/s); two cores: ${pct(wideRatio)}, p99 ${wideP99.toFixed(2)}×`,
      "≥ 50 %, p99 ≤ 3×",
      stormRatio >= 0.5 && stormP99 <= 3,
    ),
    locked.target,
    logins.target,
    target(
      "5",
      "RSS over a mixed soak",
      `idle ${mib(soaked.idleKiB)} MiB; after the ${soakWarmupSeconds} s warm-up ${mib(soaked.warmKiB)} MiB idle; during the ${soakSeconds} s soak ${mib(soaked.firstKiB)} → ${mib(soaked.lastKiB)} MiB (median of first/last 10 s, ${growth >= 0 ? "+" : ""}${pct(growth)}); idle after ${mib(soaked.afterKiB)} MiB; ${soaked.unexpectedStatuses} unexpected statuses, ${soaked.socketErrors} socket errors`,
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

  const onPostgres = await postgresReads(pinning);
  targets.push(onPostgres.target);

  // Microseconds of server time per request, as the load generator saw them.
  const micros = (summary: LoadSummary): string => (1e6 / summary.requestsPerSecond).toFixed(1);
  const busyRatio = busy.requestsPerSecond / bareAgain.requestsPerSecond;
  const observations = [
    `The bare route with 10 µs of busy work per request kept ${pct(busyRatio)} of the bare route (${busy.requestsPerSecond.toFixed(0)} vs ${bareAgain.requestsPerSecond.toFixed(0)} req/s: ${micros(busy)} µs vs ${micros(bareAgain)} µs a request, so the 10 µs cost ${(1e6 / busy.requestsPerSecond - 1e6 / bareAgain.requestsPerSecond).toFixed(1)} µs). A gap that grows faster than the work means the load generator waits idle on each response once the server slows, and every response then pays for waking it.`,
    `GET /users/me/ took ${micros(me)} µs a request against the bare route's ${micros(bare)} µs.`,
    ...logins.observations,
  ];
  const loadAfter = loadavg();
  const results: BenchResults = {
    date: startedAt.toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).map(quoted).join(" ")}` : ""}`,
    machine: machine(),
    pinning: pinning.description,
    loadAverage: { before: loadBefore, after: loadAfter },
    note: options.note,
    observations,
    settings: {
      secondsPerRound: seconds,
      rounds,
      loginRounds,
      soakSeconds,
      soakWarmupSeconds,
      readConnections,
      stormConnections,
      hashWorkers,
      logLevel: "warn",
    },
    targets,
    raw: {
      bare,
      bareWithHeaders: ceiling.headers,
      me,
      calibration: { bare: bareAgain, busy10us: busy },
      healthz,
      meBesideHealthz,
      asymmetric: asym ?? null,
      unloaded,
      storm,
      twoCores: { me: wideMe, storm: wideStorm },
      locked: locked.raw,
      ...logins.raw,
      timing,
      soak: soaked,
      postgres: onPostgres.raw,
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
