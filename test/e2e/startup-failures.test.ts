// The real processes — the server entry and `gatehouse serve` / commands — failing to start: one
// line on stderr naming the cause and the setting to change, exit status 1, no stack.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ProcessExit, runProcess } from "../fixtures/child-process.ts";
import { requirePostgres, testServerUrl } from "../fixtures/postgres-database.ts";
import { startServerProcess, stopServerProcess } from "../fixtures/server-process.ts";

const serverEntry = new URL("../../packages/service/src/server/main.ts", import.meta.url).pathname;
const cliEntry = new URL("../../packages/service/src/cli/main.ts", import.meta.url).pathname;

/** Runs `entry` with only `env` (and PATH) in `cwd` until it exits on its own. */
function run(
  entry: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  cwd: string,
): Promise<ProcessExit> {
  return runProcess(process.execPath, ["--conditions=gatehouse-source", entry, ...args], {
    cwd,
    env: {
      PATH: process.env["PATH"] ?? "",
      GATEHOUSE_HASH_WORKERS: "1",
      GATEHOUSE_LOG_LEVEL: "info",
      ...env,
    },
  });
}

/** Asserts a failed start: status 1 and exactly one stderr line, which is returned. */
function oneLineFailure(exit: ProcessExit): string {
  assert.equal(exit.status, 1, `stdout: ${exit.stdout}\nstderr: ${exit.stderr}`);
  const lines = exit.stderr.split("\n");
  assert.equal(lines.length, 2, exit.stderr);
  assert.equal(lines[1], "");
  assert.doesNotMatch(exit.stderr, /\n\s+at /);
  return lines[0] ?? "";
}

const pgSkip = await requirePostgres();

describe("a process that cannot start", () => {
  let directory = "";
  let listener: Server;
  let busyPort = 0;
  let sqliteUrl = "";

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "gatehouse-startup-"));
    sqliteUrl = `sqlite:${join(directory, "gatehouse.db")}`;
    listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const address = listener.address();
    busyPort = typeof address === "object" && address !== null ? address.port : 0;
  });
  after(async () => {
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    await rm(directory, { recursive: true, force: true });
  });

  for (const [label, entry, args] of [
    ["the server entry", serverEntry, []],
    ["gatehouse serve", cliEntry, ["serve"]],
  ] as const) {
    it(`names PORT when the port is in use (${label})`, async () => {
      const exit = await run(
        entry,
        args,
        { HOST: "127.0.0.1", PORT: String(busyPort), GATEHOUSE_DATABASE_URL: sqliteUrl },
        directory,
      );

      assert.equal(
        oneLineFailure(exit),
        `gatehouse: port ${busyPort} on 127.0.0.1 is in use; set PORT (or --port) to a free port`,
      );
    });
  }

  it("names PORT when the port is in use, for several workers too", async () => {
    const exit = await run(
      cliEntry,
      ["serve", "--workers", "2", "--port", String(busyPort)],
      { HOST: "127.0.0.1", GATEHOUSE_DATABASE_URL: sqliteUrl },
      directory,
    );

    assert.match(oneLineFailure(exit), new RegExp(`^gatehouse: port ${busyPort} .*set PORT`));
  });

  it("names HOST when it is not an address of this machine", async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never a local address.
    const exit = await run(
      serverEntry,
      [],
      { HOST: "192.0.2.1", PORT: "0", GATEHOUSE_DATABASE_URL: sqliteUrl },
      directory,
    );

    assert.match(
      oneLineFailure(exit),
      /^gatehouse: HOST 192\.0\.2\.1 is not an address of this machine; set HOST/,
    );
  });

  it("names the SQLite path and GATEHOUSE_DATABASE_URL when its folder cannot be made", async () => {
    // Root may write anywhere, but no one can make a folder inside a regular file.
    const file = join(directory, "a-file");
    await writeFile(file, "");

    const exit = await run(
      serverEntry,
      [],
      { PORT: "0", GATEHOUSE_DATABASE_URL: `sqlite:${file}/sub/gatehouse.db` },
      directory,
    );

    assert.equal(
      oneLineFailure(exit),
      `gatehouse: cannot use the SQLite database ${file}/sub/gatehouse.db: a part of the path is a file, not a folder; set GATEHOUSE_DATABASE_URL to a path this process can write`,
    );
  });

  for (const [label, path, what] of [
    [
      "a file of the kernel's proc file system",
      "/proc/self/status",
      "on the kernel's proc file system",
    ],
    ["a device", "/dev/null", "a device"],
    ["a folder", "/", "a folder"],
  ] as const) {
    it(`fails at once, naming the SQLite path, when it is ${label} (issue 16)`, async () => {
      const exit = await run(
        serverEntry,
        [],
        { PORT: "0", GATEHOUSE_DATABASE_URL: `sqlite:${path}` },
        directory,
      );

      assert.equal(
        oneLineFailure(exit),
        `gatehouse: cannot use the SQLite database ${path}: it is ${what}, not a database file; set GATEHOUSE_DATABASE_URL to a path this process can write`,
      );
    });
  }

  it("names GATEHOUSE_DATABASE_URL but not its password when PostgreSQL refuses", async () => {
    const exit = await run(
      cliEntry,
      ["users", "list"],
      { GATEHOUSE_DATABASE_URL: "postgres://gatehouse:hunter2@127.0.0.1:1/gatehouse" },
      directory,
    );

    const line = oneLineFailure(exit);
    assert.match(line, /^gatehouse: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/gatehouse: /);
    assert.match(line, /connection refused.*GATEHOUSE_DATABASE_URL$/);
    assert.doesNotMatch(line, /hunter2/);
  });

  it("names GATEHOUSE_DATABASE_URL when the PostgreSQL database does not exist", {
    skip: pgSkip,
  }, async () => {
    const url = new URL(testServerUrl);
    url.pathname = "/gatehouse_no_such_database";

    const exit = await run(
      serverEntry,
      [],
      { PORT: "0", GATEHOUSE_DATABASE_URL: url.href },
      directory,
    );

    assert.match(
      oneLineFailure(exit),
      /^gatehouse: cannot connect to PostgreSQL at .*\/gatehouse_no_such_database: the database does not exist .*; check GATEHOUSE_DATABASE_URL$/,
    );
  });

  it("prints the stack as well at the debug log level", async () => {
    const exit = await run(
      serverEntry,
      [],
      {
        PORT: String(busyPort),
        GATEHOUSE_DATABASE_URL: sqliteUrl,
        GATEHOUSE_LOG_LEVEL: "debug",
      },
      directory,
    );

    assert.equal(exit.status, 1);
    assert.match(exit.stderr, /^gatehouse: port \d+ on 127\.0\.0\.1 is in use; .*\n.*EADDRINUSE/);
    assert.match(exit.stderr, /\n\s+at /);
  });

  it("exits 2 with one line for an invalid setting", async () => {
    const exit = await run(serverEntry, [], { PORT: "eighty" }, directory);

    assert.equal(exit.status, 2);
    assert.match(exit.stderr, /^gatehouse: invalid configuration: PORT: .*\n$/);
  });
});

describe("a process starting in a folder with a .env file", () => {
  let directory = "";
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "gatehouse-dotenv-"));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("takes its settings from the file, unless the environment sets them", async () => {
    await writeFile(
      join(directory, ".env"),
      "GATEHOUSE_DATABASE_URL=postgres://u:p@127.0.0.1:1/from_file\nPORT=1\n",
    );

    const fromFile = await run(cliEntry, ["users", "list"], {}, directory);
    const fromEnvironment = await run(
      cliEntry,
      ["users", "list"],
      { GATEHOUSE_DATABASE_URL: "postgres://u:p@127.0.0.1:1/from_environment" },
      directory,
    );

    assert.match(oneLineFailure(fromFile), /\/from_file: /);
    assert.match(oneLineFailure(fromEnvironment), /\/from_environment: /);
  });
});

describe("a server started with a misspelt setting", () => {
  let directory = "";
  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "gatehouse-misspelt-"));
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("starts, and logs one warning naming the variable and the setting it resembles", async () => {
    const server = await startServerProcess({
      GATEHOUSE_DATABASE_URL: `sqlite:${join(directory, "gatehouse.db")}`,
      GATEHOUSE_LOG_LEVEL: "info",
      GATEHOUSE_DEMOO: "true",
    });
    await stopServerProcess(server);

    const warnings = server
      .log()
      .split("\n")
      .filter((line) => line.includes("GATEHOUSE_DEMOO"))
      .map((line) => JSON.parse(line) as { level: string; time: string; msg: string });
    assert.deepEqual(warnings, [
      {
        level: "warn",
        time: warnings[0]?.time,
        msg: "GATEHOUSE_DEMOO is not a Gatehouse setting and is ignored; did you mean GATEHOUSE_DEMO?",
      },
    ]);
  });
});
