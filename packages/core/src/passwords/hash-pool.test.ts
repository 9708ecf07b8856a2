import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { fastArgon2Params } from "../../../../test/fixtures/fast-hasher.ts";
import { AuthError } from "../errors.ts";
import { createHashPool } from "./hash-pool.ts";

const hashJob = { op: "hash", password: "correct horse", params: fastArgon2Params } as const;

// A stand-in worker that speaks the pool's protocol and dies when asked to hash "crash".
const crashingWorker = new URL(
  `data:text/javascript,${encodeURIComponent(`
    import { parentPort } from "node:worker_threads";
    parentPort.on("message", (job) => {
      if (job.password === "crash") throw new Error("worker crashed on purpose");
      parentPort.postMessage({ id: job.id, ok: true, result: "done: " + job.password });
    });
  `)}`,
);

// Each thread of this process, from Linux's /proc: its name and its nice value (field 19 of stat).
async function threadNiceness(): Promise<{ tid: number; name: string; nice: number }[]> {
  const tasks = await readdir("/proc/self/task");
  return Promise.all(
    tasks.map(async (tid) => {
      const name = (await readFile(`/proc/self/task/${tid}/comm`, "utf8")).trim();
      const stat = await readFile(`/proc/self/task/${tid}/stat`, "utf8");
      // The name in stat is parenthesised and may hold spaces; fields after it are plain.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return { tid: Number(tid), name, nice: Number(fields[16]) };
    }),
  );
}

const isPlainError = (error: unknown): boolean =>
  error instanceof Error && !(error instanceof AuthError);

describe("createHashPool", () => {
  it("runs a hash job on a worker thread and answers with the PHC string", async () => {
    const pool = createHashPool({ size: 1 });

    const hash = await pool.run(hashJob);
    await pool.close();

    assert.ok(hash.startsWith("$argon2id$v=19$m=8,t=1,p=1$"));
  });

  it("runs a verify job and answers with the check", async () => {
    const pool = createHashPool({ size: 1 });
    const hash = await pool.run(hashJob);

    const check = await pool.run({ ...hashJob, op: "verify", hash });
    await pool.close();

    assert.deepEqual(check, { matches: true, needsRehash: false });
  });

  it("rejects at once with hasher_busy when every worker is busy and the queue is full", async () => {
    const pool = createHashPool({ size: 1, maxQueue: 1 });
    const running = pool.run(hashJob);
    const queued = pool.run(hashJob);

    const refused = pool.run(hashJob);

    await assert.rejects(refused, { name: "AuthError", code: "hasher_busy" });
    assert.deepEqual(pool.stats(), { size: 1, busy: 1, queued: 1 });
    await Promise.all([running, queued]);
    await pool.close();
  });

  it("runs queued jobs first come, first served", async () => {
    const pool = createHashPool({ size: 1, workerFile: crashingWorker });
    const finished: string[] = [];

    await Promise.all(
      ["a", "b", "c"].map(async (password) => {
        finished.push(await pool.run({ ...hashJob, password }));
      }),
    );
    await pool.close();

    assert.deepEqual(finished, ["done: a", "done: b", "done: c"]);
  });

  it("reports how many workers are busy and how many jobs wait", async () => {
    const pool = createHashPool({ size: 2 });
    const jobs = [pool.run(hashJob), pool.run(hashJob), pool.run(hashJob)];

    const during = pool.stats();
    await Promise.all(jobs);
    const after = pool.stats();
    await pool.close();

    assert.deepEqual(during, { size: 2, busy: 2, queued: 1 });
    assert.deepEqual(after, { size: 2, busy: 0, queued: 0 });
  });

  it("rejects with a plain Error when the worker cannot do the job", async () => {
    const pool = createHashPool({ size: 1 });

    const failed = pool.run({ ...hashJob, params: { ...fastArgon2Params, memoryCost: 1 } });

    await assert.rejects(failed, isPlainError);
    await pool.close();
  });

  it("rejects running and queued jobs when closed, and every run after", async () => {
    const pool = createHashPool({ size: 1 });
    const running = pool.run(hashJob);
    const queued = pool.run(hashJob);

    const outcomes = Promise.allSettled([running, queued]);

    await pool.close();

    for (const outcome of await outcomes) {
      assert.equal(outcome.status, "rejected");
      assert.ok(isPlainError(outcome.reason));
    }
    await assert.rejects(pool.run(hashJob), isPlainError);
    assert.deepEqual(pool.stats(), { size: 1, busy: 0, queued: 0 });
  });

  it("rejects the running job with a plain Error when its worker crashes", async () => {
    const pool = createHashPool({ size: 1, workerFile: crashingWorker });

    const crashed = pool.run({ ...hashJob, password: "crash" });

    await assert.rejects(crashed, (error: unknown) => {
      assert.ok(isPlainError(error));
      assert.ok(error instanceof Error && error.cause instanceof Error);
      return true;
    });
    await pool.close();
  });

  it("starts a new worker for the queued job after a crash", async () => {
    const pool = createHashPool({ size: 1, workerFile: crashingWorker });
    const crashed = pool.run({ ...hashJob, password: "crash" });
    const queued = pool.run({ ...hashJob, password: "after" });

    await assert.rejects(crashed, isPlainError);

    assert.equal(await queued, "done: after");
    await pool.close();
  });

  it("lets the process exit once idle, yet keeps it alive while a job runs", async (t) => {
    const folder = await mkdtemp(join(tmpdir(), "gatehouse-hash-pool-"));
    t.after(() => rm(folder, { recursive: true, force: true }));
    const script = join(folder, "hash-once.mjs");
    await writeFile(
      script,
      `import { createHashPool } from ${JSON.stringify(new URL("./hash-pool.ts", import.meta.url).href)};
      const pool = createHashPool({ size: 1 });
      const job = { op: "hash", password: "x", params: ${JSON.stringify(fastArgon2Params)} };
      await pool.run(job);
      // The second job goes to a worker that was idle, hence unref'd, in between.
      console.log((await pool.run(job)).slice(0, 10));`,
    );

    // An unsettled top-level await would exit 13; a worker keeping the process alive would time out.
    const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 10_000 });

    assert.equal(stdout, "$argon2id$\n");
  });

  it("refuses to load the worker entry on the main thread", async () => {
    await assert.rejects(import("./hash-worker.ts"), Error);
  });

  it("refuses a size below 1 or a negative maxQueue with a RangeError", () => {
    assert.throws(() => createHashPool({ size: 0 }), RangeError);
    assert.throws(() => createHashPool({ size: 1.5 }), RangeError);
    assert.throws(() => createHashPool({ maxQueue: -1 }), RangeError);
    assert.throws(() => createHashPool({ niceness: -1 }), RangeError);
    assert.throws(() => createHashPool({ niceness: 20 }), RangeError);
  });

  it("runs its hashing threads at the niceness it is given, the event loop's thread unchanged", async () => {
    const pool = createHashPool({ size: 1, niceness: 7 });
    await pool.run(hashJob);

    const threads = await threadNiceness();
    await pool.close();

    assert.deepEqual(
      threads.filter((t) => t.name === "gatehouse-hash").map((t) => t.nice),
      [7],
    );
    assert.equal(threads.find((t) => t.tid === process.pid)?.nice, 0);
  });

  it("tells onWait how long each job waited for a worker", async () => {
    const waits: number[] = [];
    const pool = createHashPool({ size: 1, onWait: (ms) => waits.push(ms) });

    await Promise.all([pool.run(hashJob), pool.run(hashJob)]);
    await pool.close();

    assert.equal(waits.length, 2);
    assert.ok(waits.every((ms) => ms >= 0));
    assert.ok((waits[1] ?? 0) >= (waits[0] ?? 0));
  });
});
