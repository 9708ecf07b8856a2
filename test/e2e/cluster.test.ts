// `gatehouse serve --workers 2`: two processes on one port and one SQLite file, as one service.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

const cli = new URL("../../packages/service/src/cli/main.ts", import.meta.url).pathname;

interface LogLine {
  readonly msg: string;
  readonly worker?: number;
  readonly pid?: number;
  readonly url?: string;
  readonly status?: number;
}

/** A request on a fresh connection, so the cluster's round robin hands each to the next worker. */
function send(
  port: number,
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method, path, agent: false, headers: options.headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end(options.body);
  });
}

describe("serve --workers 2 on a temporary SQLite database", { timeout: 60_000 }, () => {
  let dir: string;
  let child: ChildProcess;
  let port = 0;
  const lines: LogLine[] = [];
  const listening = (): LogLine[] => lines.filter((line) => line.msg === "listening");

  const waitFor = (predicate: () => boolean, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate()) {
          child.stdout?.off("data", check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 20_000);
      child.stdout?.on("data", check);
      check();
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-cluster-"));
    child = spawn(process.execPath, [cli, "serve", "--workers", "2"], {
      env: {
        ...process.env,
        HOST: "127.0.0.1",
        PORT: "0",
        GATEHOUSE_DEMO: "true",
        GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, "gatehouse.db")}`,
        GATEHOUSE_HASH_WORKERS: "1",
        GATEHOUSE_LOG_LEVEL: "info",
        // Every request here comes from 127.0.0.1: the race below is about the account's counter.
        GATEHOUSE_THROTTLE_ADDRESS_FREE_FAILURES: "1000",
        // The first lock outlasts the burst however slow the machine is, so the count measures
        // only the counter's atomicity, not how long the 50 requests take to arrive.
        GATEHOUSE_THROTTLE_BASE_DELAY_SECONDS: "600",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    // Listener first: waitFor's own listeners run after this one has parsed the chunk.
    child.stdout?.on("data", (chunk: Buffer) => {
      partial += chunk.toString();
      const complete = partial.split("\n");
      partial = complete.pop() ?? "";
      for (const line of complete) {
        if (line.startsWith("{")) lines.push(JSON.parse(line) as LogLine);
      }
    });
    await waitFor(() => listening().length >= 2, "two workers");
    port = Number(new URL(listening()[0]?.url ?? "").port);
  });

  after(async () => {
    if (child.exitCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("starts two worker processes on one port", () => {
    const pids = new Set(listening().map((line) => line.pid));
    const ports = new Set(listening().map((line) => new URL(line.url ?? "").port));

    assert.equal(pids.size, 2);
    assert.equal(ports.size, 1);
  });

  it("serves many requests across both workers, and a token from either works on both", async () => {
    const form = "username=johndoe&password=secret";
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    const tokens = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const response = await send(port, "POST", "/token", { body: form, headers });
        assert.equal(response.status, 200);
        return (JSON.parse(response.body) as { access_token: string }).access_token;
      }),
    );

    const statuses: number[] = [];
    for (const token of tokens) {
      for (let i = 0; i < 10; i++) {
        const response = await send(port, "GET", "/users/me/", {
          headers: { authorization: `Bearer ${token}` },
        });
        statuses.push(response.status);
      }
    }
    await waitFor(
      () => lines.filter((line) => line.msg === "request").length >= 44,
      "the request log",
    );

    assert.deepEqual(new Set(statuses), new Set([200]));
    const served = new Set(
      lines.filter((line) => line.msg === "request" && line.status === 200).map((l) => l.worker),
    );
    assert.equal(served.size, 2);
  });

  it("replaces a worker that dies, and keeps serving meanwhile", async () => {
    const victim = listening()[0]?.pid ?? 0;

    process.kill(victim, "SIGKILL");
    await waitFor(
      () => lines.some((line) => line.msg === "worker exited; restarting"),
      "the crash",
    );
    const during = await send(port, "GET", "/healthz");
    await waitFor(() => listening().length >= 3, "a replacement worker");
    const after = await send(port, "GET", "/readyz");

    assert.equal(during.status, 200);
    assert.equal(after.status, 200);
    assert.notEqual(listening()[2]?.pid, victim);
  });

  it("lets 50 parallel wrong passwords across both workers check no more than 5", async () => {
    const headers = { "content-type": "application/x-www-form-urlencoded" };

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send(port, "POST", "/token", { body: `username=johndoe&password=wrong${i}`, headers }),
      ),
    );

    const statuses = responses.map((response) => response.status);
    assert.equal(statuses.filter((status) => status === 400).length, 5);
    assert.equal(statuses.filter((status) => status === 429).length, 45);
  });

  it("stops every worker and exits 0 on SIGTERM", async () => {
    const exited = once(child, "exit");

    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];

    assert.equal(code, 0);
    assert.equal(
      lines.some((line) => line.msg === "cluster stopped"),
      true,
    );
  });
});
