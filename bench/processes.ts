// Starting and stopping the processes a bench run needs: servers and load generators, each
// pinned to its core with taskset where the machine allows it.
import type { ChildProcess } from "node:child_process";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { LoadSpec, LoadSummary } from "./load.ts";
import type { RawHashSummary } from "./raw-hash.ts";

/** The repository root, where `dist/` and `bench/` live. */
export const root: string = fileURLToPath(new URL("..", import.meta.url));

/** Which cores the server and the load generators run on; `undefined` means not pinned. */
export interface Pinning {
  readonly server: string | undefined;
  readonly load: string | undefined;
  /** What was done, for the report. */
  readonly description: string;
}

/** Pins the server to core 0 and the load to core 1 when there are two cores and taskset works. */
export function choosePinning(): Pinning {
  const cores = availableParallelism();
  const probe = spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" });
  if (probe.error !== undefined || probe.status !== 0) {
    return {
      server: undefined,
      load: undefined,
      description:
        "taskset (util-linux) not available: nothing pinned, server and load share cores",
    };
  }
  if (cores < 2) {
    return {
      server: undefined,
      load: undefined,
      description: "one core only: nothing pinned, server and load share it",
    };
  }
  return {
    server: "0",
    load: "1",
    description: `taskset: server (with its hash worker) on core 0, load generators on core 1 (of ${cores})`,
  };
}

/** The command that runs Node with `args` on `cores` (as it is when `cores` is undefined). */
export function pinned(cores: string | undefined, args: readonly string[]): [string, string[]] {
  return cores === undefined
    ? [process.execPath, [...args]]
    : ["taskset", ["-c", cores, process.execPath, ...args]];
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  server.close();
  await once(server, "close");
  return port;
}

/** CPU time of a server's threads, in milliseconds. */
export interface ThreadCpu {
  readonly main: number;
  readonly hashing: number;
}

// /proc reports CPU time in clock ticks, 100 a second on Linux.
const msPerTick = 10;

function threadCpu(pid: number): ThreadCpu {
  let main = 0;
  let hashing = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ms = (Number(fields[11]) + Number(fields[12])) * msPerTick;
    if (Number(tid) === pid) main = ms;
    else if (name === "gatehouse-hash") hashing += ms;
  }
  return { main, hashing };
}

/** A server process under test. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** Resident set size now, in KiB, from /proc. */
  rssKiB(): number;
  /** CPU time used so far (user + system, ms, from /proc) by the main thread and the hash threads. */
  threadCpuMs(): ThreadCpu;
  /** Everything it wrote, for diagnosis. */
  output(): string;
  stop(): Promise<void>;
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string) {
  const deadline = performance.now() + 30_000;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  while (performance.now() < deadline) {
    if (exited) throw new Error(`server exited during start:\n${output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`server did not answer within 30 s:\n${output()}`);
}

/** How to start one server. */
export interface ServerSpec {
  /** The script, relative to the repository root (`packages/service/dist/server/main.js` or `bench/bare-server.ts`). */
  readonly script: string;
  readonly cores: string | undefined;
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
}

/** Starts a server on a free port of 127.0.0.1 with a fresh SQLite database in a temp folder. */
export async function startServerProcess(spec: ServerSpec): Promise<ServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), "gatehouse-bench-"));
  const port = await freePort();
  const [command, args] = pinned(spec.cores, [...(spec.nodeFlags ?? []), spec.script]);
  const child = spawn(command, args, {
    cwd: root,
    env: {
      ...process.env,
      // The servers measured run the built packages, as `npm start` and a production install do;
      // the source condition `npm run bench` sets for its own imports would load the core's .ts.
      NODE_OPTIONS: "",
      HOST: "127.0.0.1",
      PORT: String(port),
      NODE_ENV: "production",
      GATEHOUSE_DEMO: "true",
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, "gatehouse.db")}`,
      GATEHOUSE_LOG_LEVEL: "warn",
      // Every request of the bench comes from one address and logs in one account, many at a
      // time and (for the timing ratio) with wrong passwords: the brute-force throttle would
      // answer most of them 429 and the figures would measure the throttle, not the service.
      GATEHOUSE_THROTTLE_FREE_FAILURES: "1000",
      GATEHOUSE_THROTTLE_ADDRESS_FREE_FAILURES: "100000",
      ...spec.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const collect = (chunk: Buffer): void => {
    out += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(url, child, () => out);
  } catch (error) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const pid = child.pid ?? 0;
  return {
    url,
    pid,
    rssKiB() {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    },
    threadCpuMs: () => threadCpu(pid),
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function runChild(cores: string | undefined, args: readonly string[]): Promise<string> {
  const [command, argv] = pinned(cores, args);
  const child = spawn(command, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code === 0 && last !== "") resolve(last);
      else reject(new Error(`${args.join(" ")} exited with ${code}: ${err}`));
    });
  });
}

/** Runs one autocannon load in a child process on `cores`. */
export async function runLoad(cores: string | undefined, spec: LoadSpec): Promise<LoadSummary> {
  return JSON.parse(await runChild(cores, ["bench/load.ts", JSON.stringify(spec)])) as LoadSummary;
}

/** Measures the raw argon2id verify rate on `threads` worker threads on `cores`. */
export async function runRawHash(
  cores: string | undefined,
  threads: number,
  seconds: number,
): Promise<RawHashSummary> {
  const line = await runChild(cores, ["bench/raw-hash.ts", String(threads), String(seconds)]);
  return JSON.parse(line) as RawHashSummary;
}
