// "Log out everywhere" racing a refresh of the same login, and a login racing a log out everywhere
// or a password change, over HTTP against two worker processes sharing one database: once the
// logout or the change has answered, nothing the racing grant issued may still work.
// Enough trials to catch a 5 % failure rate: P(no failure in 60 | 5 %) = 0.95^60 ≈ 4.6 %.
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import { runCliOn } from "../fixtures/cli-run.ts";
import { describeOnEachDatabase, requirePostgres } from "../fixtures/postgres-database.ts";
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
  options: { form?: Record<string, string>; json?: unknown; bearer?: string } = {},
): Promise<Answer> {
  const { hostname, port } = new URL(url);
  const body =
    options.form !== undefined
      ? new URLSearchParams(options.form).toString()
      : options.json !== undefined
        ? JSON.stringify(options.json)
        : undefined;
  const contentType =
    options.form !== undefined ? "application/x-www-form-urlencoded" : "application/json";
  const headers: Record<string, string> = {
    ...(body === undefined ? {} : { "content-type": contentType }),
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

async function loginPair(url: string, username = "johndoe", password = "secret"): Promise<Pair> {
  const answer = await send(url, "POST", "/token", { form: { username, password } });
  assert.equal(answer.status, 200, answer.body);
  return JSON.parse(answer.body) as Pair;
}

/**
 * How long after a change answered its tokens are checked. On PostgreSQL the other worker's
 * guard reads from caches the change feed updates within 100 ms (issue 17), so a token is a
 * survivor only if it still works once that bound has passed; SQLite's guard reads are current.
 */
let settleMs = 0;
const feedBoundMs = 100;

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
    await sleep(settleMs);
    const me = await send(url, "GET", "/users/me/", { bearer: access_token });
    if (me.status === 200) survived++;
  }
  return survived;
}

/** Whether either token of a racing login's answer still works; `false` for a refused login. */
async function stillWorks(url: string, login: Answer): Promise<boolean> {
  if (login.status !== 200) return false;
  const pair = JSON.parse(login.body) as Pair;
  await sleep(settleMs);
  const me = await send(url, "GET", "/users/me/", { bearer: pair.access_token });
  const refreshed = await send(url, "POST", "/token", {
    form: { grant_type: "refresh_token", refresh_token: pair.refresh_token },
  });
  return me.status === 200 || refreshed.status === 200;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A login racing a log out everywhere, `trials` times. The login is sent behind six logins of
 * `root`, so its password check waits for theirs in the hashing queue (one hashing thread per
 * worker), and the logout halfway through such a login: mostly after the login read the account
 * and before it stored its refresh family. Returns how often a token of the login still works
 * after the logout answered 204, and how often the login was refused.
 */
async function loginSurvivorsOfLogoutAll(
  url: string,
  root: Credentials,
): Promise<{ survived: number; refused: number }> {
  const ahead = () =>
    Array.from({ length: 6 }, () => send(url, "POST", "/token", { form: { ...root } }));
  // root's first login upgrades its hash; that happens here, not in the first trial.
  await Promise.all(ahead());
  // How long a login behind the queue takes; the logout is sent halfway through.
  const durations: number[] = [];
  let bearer = "";
  for (let sample = 0; sample < 5; sample++) {
    const queued = ahead();
    const started = performance.now();
    bearer = (await loginPair(url)).access_token;
    durations.push(performance.now() - started);
    await Promise.all(queued);
  }
  const delay = (durations.sort((a, b) => a - b)[2] ?? 0) / 2;
  let survived = 0;
  let refused = 0;
  for (let trial = 0; trial < trials; trial++) {
    const queued = ahead();
    const racing = send(url, "POST", "/token", {
      form: { username: "johndoe", password: "secret" },
    });
    await sleep(delay);
    const logout = await send(url, "POST", "/users/me/logout-all", { bearer });
    assert.equal(logout.status, 204, logout.body);
    const login = await racing;
    await Promise.all(queued);
    if (login.status !== 200) refused++;
    if (await stillWorks(url, login)) survived++;
    bearer = (await loginPair(url)).access_token;
  }
  return { survived, refused };
}

/**
 * A login with the current password racing a change of that password by an administrator,
 * `trials` times, sent together. Returns how often a token of the login still works after the
 * change answered 204.
 */
async function loginSurvivorsOfPasswordChange(url: string, admin: string): Promise<number> {
  let password = "secret";
  let survived = 0;
  for (let trial = 0; trial < trials; trial++) {
    const next = `johndoe password ${trial}, long enough`;
    const [login, change] = await Promise.all([
      send(url, "POST", "/token", { form: { username: "johndoe", password } }),
      send(url, "PUT", "/admin/users/johndoe/password", {
        bearer: admin,
        json: { password: next },
      }),
    ]);
    assert.equal(change.status, 204, change.body);
    if (await stillWorks(url, login)) survived++;
    password = next;
  }
  return survived;
}

interface Credentials {
  readonly username: string;
  readonly password: string;
}

const root: Credentials = { username: "root", password: "root password, long enough" };

/** Adds the administrator `root` to the service's database and logs it in. */
async function adminToken(url: string, databaseUrl: string): Promise<string> {
  const { password } = root;
  const added = await runCliOn(
    databaseUrl,
    ["users", "add", "root", "--scopes", "me users:read users:write"],
    [password],
  );
  assert.equal(added.status, 0, added.stderr);
  return (await loginPair(url, "root", password)).access_token;
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

/** The three races on two workers sharing the database `databaseUrl()` names. */
function races(databaseUrl: () => string): void {
  let server: ServerProcess;
  let admin: string;

  before(async () => {
    settleMs = databaseUrl().startsWith("postgres") ? feedBoundMs : 0;
    server = await startTwoWorkers({ GATEHOUSE_DATABASE_URL: databaseUrl() });
    admin = await adminToken(server.url, databaseUrl());
  });

  after(async () => {
    if (server !== undefined) await stopServerProcess(server);
  });

  it(`leaves no token of the refresh working after the logout answered, in ${trials} trials`, async () => {
    assert.equal(await survivors(server.url), 0);
  });

  it(`leaves almost no token of a racing login working after the logout answered, in ${trials} trials`, async () => {
    const { survived, refused } = await loginSurvivorsOfLogoutAll(server.url, root);
    // A login that read the account after the cut-off was written is a new login: its tokens
    // rightly work, and from outside it looks like a survivor. Slow store writes under load make
    // a few of those; a login that read the account before the cut-off and kept its tokens made
    // 30 to 58 of 60 before logins saw the cut-off.
    assert.ok(survived <= trials / 10, `${survived} survived, ${refused} refused`);
  });

  it(`leaves no token of a login with the old password working after the change answered, in ${trials} trials`, async () => {
    assert.equal(await loginSurvivorsOfPasswordChange(server.url, admin), 0);
  });
}

describe("grants racing a log out everywhere or a password change, two workers", {
  timeout: 600_000,
}, () => {
  describeOnEachDatabase("gatehouse-logout-race-", skipPostgres, races);
});
