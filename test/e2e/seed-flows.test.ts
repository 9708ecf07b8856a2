// The seed documents' "See it in action" flows against a real server process on a real SQLite file.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

interface Server {
  readonly url: string;
  readonly process: ChildProcess;
  readonly log: () => string;
}

const entry = new URL("../../packages/service/src/server/main.ts", import.meta.url).pathname;

async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: "0", GATEHOUSE_HASH_WORKERS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"url":"([^"]+)"[^\n]*"msg":"listening"/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { url, process: child, log: () => out };
}

async function stopServer(server: Server): Promise<number | null> {
  const exited = once(server.process, "exit");
  server.process.kill("SIGTERM");
  const [code] = (await exited) as [number | null];
  return code;
}

async function login(url: string, body: string): Promise<Response> {
  return fetch(`${url}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body,
  });
}

async function tokenFor(url: string, body: string): Promise<string> {
  const response = await login(url, body);
  assert.equal(response.status, 200);
  return ((await response.json()) as { access_token: string }).access_token;
}

describe("the seed flows against `npm start` in demo mode", () => {
  let dir: string;
  let server: Server;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-e2e-"));
    server = await startServer({
      GATEHOUSE_DEMO: "true",
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, "data", "gatehouse.db")}`,
    });
  });
  after(async () => {
    if (server.process.exitCode === null) await stopServer(server);
    await rm(dir, { recursive: true, force: true });
  });

  it("says in its log that it seeded the demo users", () => {
    assert.match(server.log(), /demo mode: seeded users johndoe/);
  });

  it("logs johndoe in and shows him at /users/me/", async () => {
    const token = await tokenFor(server.url, "username=johndoe&password=secret");

    const response = await fetch(`${server.url}/users/me/`, {
      headers: { authorization: `Bearer ${token}` },
    });

    assert.deepEqual(await response.json(), {
      username: "johndoe",
      email: "johndoe@example.com",
      full_name: "John Doe",
      disabled: false,
    });
  });

  it("lists johndoe's item Foo with the me and items scopes", async () => {
    const token = await tokenFor(server.url, "username=johndoe&password=secret&scope=me+items");

    const response = await fetch(`${server.url}/users/me/items/`, {
      headers: { authorization: `Bearer ${token}` },
    });

    assert.deepEqual(await response.json(), [{ item_id: "Foo", owner: "johndoe" }]);
  });

  it("refuses alice, who is disabled, with Inactive user", async () => {
    const response = await login(server.url, "username=alice&password=secret2");

    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { detail: string }).detail, "Inactive user");
  });

  it("never writes a password or token into its log", async () => {
    const token = await tokenFor(server.url, "username=johndoe&password=secret");

    assert.ok(!server.log().includes(token));
    assert.doesNotMatch(server.log(), /secret2?["&]/);
  });

  it("keeps tokens valid across a restart and does not seed twice", async () => {
    const token = await tokenFor(server.url, "username=johndoe&password=secret");
    assert.equal(await stopServer(server), 0);

    server = await startServer({
      GATEHOUSE_DEMO: "true",
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, "data", "gatehouse.db")}`,
    });
    const response = await fetch(`${server.url}/users/me/`, {
      headers: { authorization: `Bearer ${token}` },
    });

    assert.equal(response.status, 200);
    assert.match(server.log(), /already holds users, so no demo data was added/);
  });
});

describe("the service without demo mode", () => {
  it("has no users and signs with the configured secret", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gatehouse-e2e-"));
    const server = await startServer({
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, "gatehouse.db")}`,
      GATEHOUSE_JWT_SECRET: "k".repeat(40),
    });

    const response = await login(server.url, "username=johndoe&password=secret");

    await stopServer(server);
    await rm(dir, { recursive: true, force: true });
    assert.equal(response.status, 400);
  });

  it("refuses to start with the seed's published secret", async () => {
    const child = spawn(process.execPath, [entry], {
      env: {
        ...process.env,
        GATEHOUSE_DATABASE_URL: ":memory:",
        GATEHOUSE_JWT_SECRET: "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    const [code] = (await once(child, "exit")) as [number];

    assert.equal(code, 2);
    assert.match(stderr, /published example key/);
  });
});
