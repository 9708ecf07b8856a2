// The throttle's two promises under real concurrency, over HTTP against two worker processes
// sharing one database: parallel wrong passwords for one account get the free checks and no more,
// and parallel right passwords from one address all succeed. The places a check holds are counted
// in the store, so the two workers together never let more checks run than failures are left.
// Enough trials to catch a 5 % failure rate: P(no failure in 60 | 5 %) = 0.95^60 ≈ 4.6 %.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { describeOnEachDatabase, requirePostgres } from "../fixtures/postgres-database.ts";
import {
  launchServerProcess,
  type ServerProcess,
  stopServerProcess,
} from "../fixtures/server-process.ts";

const trials = 60;
const parallelWrong = 50;
const parallelRight = 20;
const freeFailures = 5;
const skipPostgres = await requirePostgres();

// A fresh connection per request, so the cluster's round robin spreads them over both workers.
function postToken(
  url: string,
  form: Record<string, string>,
  localAddress?: string,
): Promise<number> {
  const { hostname, port } = new URL(url);
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method: "POST",
        path: "/token",
        agent: false,
        ...(localAddress === undefined ? {} : { localAddress }),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.setTimeout(30_000, () => req.destroy(new Error("POST /token timed out")));
    req.end(body);
  });
}

async function startTwoWorkers(env: Record<string, string>): Promise<ServerProcess> {
  const launched = launchServerProcess({
    GATEHOUSE_DEMO: "true",
    GATEHOUSE_WORKERS: "2",
    GATEHOUSE_LOG_LEVEL: "info",
    GATEHOUSE_THROTTLE_FREE_FAILURES: String(freeFailures),
    ...env,
  });
  const server = await launched.listening;
  const deadline = Date.now() + 20_000;
  while ((server.log().match(/"msg":"listening"/g) ?? []).length < 2) {
    assert.ok(Date.now() < deadline, `the second worker did not listen: ${server.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
}

function count(statuses: readonly number[], status: number): number {
  return statuses.filter((s) => s === status).length;
}

/** Both promises on two workers sharing the database `databaseUrl()` names. */
function promises(databaseUrl: () => string): void {
  let server: ServerProcess;

  before(async () => {
    server = await startTwoWorkers({ GATEHOUSE_DATABASE_URL: databaseUrl() });
  });

  after(async () => {
    if (server !== undefined) await stopServerProcess(server);
  });

  it(`lets ${parallelRight} parallel right passwords for one account all succeed, ${trials} trials`, async () => {
    for (let trial = 0; trial < trials; trial++) {
      const statuses = await Promise.all(
        Array.from({ length: parallelRight }, () =>
          postToken(server.url, { username: "johndoe", password: "secret" }),
        ),
      );

      assert.equal(count(statuses, 200), parallelRight, `trial ${trial}: ${statuses.join(" ")}`);
    }
  });

  it(`gives ${parallelWrong} parallel wrong passwords for one account ${freeFailures} checks, ${trials} trials`, async () => {
    for (let trial = 0; trial < trials; trial++) {
      // An account and a loopback address of its own per trial (unknown names are throttled
      // the same way), so each trial starts with neither locked.
      const statuses = await Promise.all(
        Array.from({ length: parallelWrong }, (_, i) =>
          postToken(
            server.url,
            { username: `nobody${trial}`, password: `guess${i}` },
            `127.0.1.${trial + 1}`,
          ),
        ),
      );

      assert.equal(count(statuses, 400), freeFailures, `trial ${trial}: ${statuses.join(" ")}`);
      assert.equal(count(statuses, 429), parallelWrong - freeFailures, `trial ${trial}`);
    }
  });
}

describe("the throttle's promises over two worker processes", { timeout: 900_000 }, () => {
  describeOnEachDatabase("gatehouse-throttle-workers-", skipPostgres, promises);
});
