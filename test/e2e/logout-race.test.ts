// "Log out everywhere" racing a refresh of the same login, over HTTP against two worker processes
// sharing one database: once the logout has answered, nothing the refresh issued may still work.
// Enough trials to catch a 5 % failure rate: P(no failure in 60 | 5 %) = 0.95^60 ≈ 4.6 %.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  createThrowawayDatabase,
  requirePostgres,
  type ThrowawayDatabase,
} from "../fixtures/postgres-database.ts";
import {
  launchServerProcess,
  type ServerProcess,
  stopServerProcess,
} from "../fixtures/server-process.ts";

const trials = 60;
const skipPostgres = await requirePostgres();

interface Answer {
  readonly status: number;
  readonly body: string;
}

// A fresh connection per request, so the cluster's round robin spreads them over both workers.
function send(
  url: string,
  method: string,
  path: string,
  options: { form?: Record<string, string>; bearer?: string } = {},
): Promise<Answer> {
  const { hostname, port } = new URL(url);
  const body =
    options.form === undefined ? undefined : new URLSearchParams(options.form).toString();
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
    ...(options.bearer === undefined ? {} : { authorization: `Bearer ${options.bearer}` }),
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, agent: false, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end(body);
  });
}

interface Pair {
  readonly access_token: string;
  readonly refresh_token: string;
}

async function loginPair(url: string): Promise<Pair> {
  const answer = await send(url, "POST", "/token", {
    form: { username: "johndoe", password: "secret" },
  });
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body) as Pair;
}

/**
 * Runs the race `trials` times and returns how often a token issued by the racing refresh still
 * reads `/users/me/` after the logout answered 204.
 */
async function survivors(url: string): Promise<number> {
  let survived = 0;
  for (let trial = 0; trial < trials; trial++) {
    const pair = await loginPair(url);
    const [logout, refreshed] = await Promise.all([
      send(url, "POST", "/users/me/logout-all", { bearer: pair.access_token }),
      send(url, "POST", "/token", {
        form: { grant_type: "refresh_token", refresh_token: pair.refresh_token },
      }),
    ]);
    assert.equal(logout.status, 204, logout.body);
    if (refreshed.status !== 200) continue;
    const { access_token } = JSON.parse(refreshed.body) as Pair;
    const me = await send(url, "GET", "/users/me/", { bearer: access_token });
    if (me.status === 200) survived++;
  }
  return survived;
}

async function startTwoWorkers(env: Record<string, string>): Promise<ServerProcess> {
  const launched = launchServerProcess({
    GATEHOUSE_DEMO: "true",
    GATEHOUSE_WORKERS: "2",
    GATEHOUSE_LOG_LEVEL: "info",
    GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS: "0",
    ...env,
  });
  const server = await launched.listening;
  // The first worker's line resolves `listening`; wait for the second one too.
  const deadline = Date.now() + 20_000;
  while ((server.log().match(/"msg":"listening"/g) ?? []).length < 2) {
    assert.ok(Date.now() < deadline, `the second worker did not listen: ${server.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return server;
}

describe("log out everywhere racing a refresh, two workers", { timeout: 300_000 }, () => {
  describe("on SQLite", () => {
    let dir: string;
    let server: ServerProcess;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "gatehouse-logout-race-"));
      server = await startTwoWorkers({
        GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, "gatehouse.db")}`,
      });
    });

    after(async () => {
      if (server !== undefined) await stopServerProcess(server);
      await rm(dir, { recursive: true, force: true });
    });

    it(`leaves no token of the refresh working after the logout answered, in ${trials} trials`, async () => {
      assert.equal(await survivors(server.url), 0);
    });
  });

  describe("on PostgreSQL", { skip: skipPostgres }, () => {
    let database: ThrowawayDatabase;
    let server: ServerProcess;

    before(async () => {
      database = await createThrowawayDatabase();
      server = await startTwoWorkers({ GATEHOUSE_DATABASE_URL: database.url });
    });

    after(async () => {
      if (server !== undefined) await stopServerProcess(server);
      await database?.drop();
    });

    it(`leaves no token of the refresh working after the logout answered, in ${trials} trials`, async () => {
      assert.equal(await survivors(server.url), 0);
    });
  });
});
