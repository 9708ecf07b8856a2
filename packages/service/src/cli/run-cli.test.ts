import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { AuthError, authErrorCodes } from "gatehouse-auth-core/errors";
import { type CliHarness, createCliHarness } from "../../../../test/fixtures/cli-harness.ts";
import { createFastHasher } from "../../../../test/fixtures/fast-hasher.ts";
import { composeServices } from "../service/compose.ts";
import { describeDatabase, loadSettings } from "../service/config.ts";
import { migrateSqlite } from "../storage/sqlite/migrate.ts";
import type { StartServer, StartWorkers } from "./command.ts";

const everyCode = authErrorCodes;

const throwing =
  (error: unknown): StartServer =>
  async () => {
    throw error;
  };

const shippedSqliteMigrations = new URL("../storage/sqlite/migrations/", import.meta.url);

describe("runCli", () => {
  let cli: CliHarness;

  before(async () => {
    cli = await createCliHarness();
  });
  after(async () => {
    await cli.remove();
  });

  describe("usage", () => {
    for (const argv of [["help"], ["--help"], ["users", "add", "-h"]]) {
      it(`prints the usage on stdout and exits 0 for ${argv.join(" ")}`, async () => {
        const run = await cli.run(argv);

        assert.equal(run.status, 0);
        assert.match(run.stdout, /^Usage: gatehouse/);
        assert.equal(run.stderr, "");
      });
    }

    it("exits 2 with the usage when no command is given", async () => {
      const run = await cli.run([]);

      assert.equal(run.status, 2);
      assert.match(run.stderr, /missing command[\s\S]*Usage: gatehouse/);
    });

    it("exits 2 for an unknown command", async () => {
      const run = await cli.run(["frobnicate"]);

      assert.equal(run.status, 2);
      assert.match(run.stderr, /unknown command: frobnicate/);
    });

    it("exits 2 for an unknown flag", async () => {
      const run = await cli.run(["migrate", "--force"]);

      assert.equal(run.status, 2);
      assert.match(run.stderr, /--force/);
    });
  });

  describe("configuration", () => {
    it("exits 2 with the problem when a variable is invalid", async () => {
      const run = await cli.run(["migrate"], { env: { PORT: "eighty" } });

      assert.equal(run.status, 2);
      assert.match(run.stderr, /^gatehouse: invalid configuration: PORT/);
    });

    it("exits 2 for a database URL of an engine it does not support", async () => {
      const run = await cli.run(["users", "list"], {
        env: { GATEHOUSE_DATABASE_URL: "mysql://localhost/gatehouse" },
      });

      assert.equal(run.status, 2);
      assert.match(run.stderr, /GATEHOUSE_DATABASE_URL/);
    });

    it("exits 2 naming each refresh token setting that is out of range", async () => {
      const run = await cli.run(["migrate"], {
        env: {
          GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS: "301",
          GATEHOUSE_REFRESH_IDLE_LIFETIME: "59",
          GATEHOUSE_REFRESH_ABSOLUTE_LIFETIME: "thirty days",
        },
      });

      assert.equal(run.status, 2);
      assert.match(run.stderr, /GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS/);
      assert.match(run.stderr, /GATEHOUSE_REFRESH_IDLE_LIFETIME/);
      assert.match(run.stderr, /GATEHOUSE_REFRESH_ABSOLUTE_LIFETIME/);
    });

    it("carries the refresh token settings into the services", async () => {
      const services = await composeServices(
        loadSettings({
          GATEHOUSE_DATABASE_URL: ":memory:",
          GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS: "0",
          GATEHOUSE_REFRESH_IDLE_LIFETIME: "3600",
          GATEHOUSE_REFRESH_ABSOLUTE_LIFETIME: "86400",
        }),
        { hasher: createFastHasher() },
      );

      await services.close();
      assert.deepEqual(services.refreshPolicy, {
        reuseGraceSeconds: 0,
        idleLifetimeSeconds: 3600,
        absoluteLifetimeSeconds: 86_400,
      });
    });
  });

  describe("PostgreSQL", () => {
    it("exits 1 naming the server but not the password when PostgreSQL is unreachable", async () => {
      const run = await cli.run(["users", "list"], {
        env: { GATEHOUSE_DATABASE_URL: "postgres://gatehouse:hunter2@127.0.0.1:1/gatehouse" },
      });

      assert.equal(run.status, 1);
      assert.match(
        run.stderr,
        /^gatehouse: cannot connect to PostgreSQL at 127\.0\.0\.1:1\/gatehouse: connection refused .*; check GATEHOUSE_DATABASE_URL\n$/,
      );
      assert.doesNotMatch(run.stderr, /hunter2/);
    });
  });

  describe("errors", () => {
    for (const code of everyCode) {
      it(`maps AuthError ${code} to exit 1 with a message on stderr`, async () => {
        const error = new AuthError(code, "developer detail");

        const run = await cli.run(["serve"], { options: { startServer: throwing(error) } });

        assert.equal(run.status, 1);
        assert.match(run.stderr, /^gatehouse: \S.*\n$/);
      });
    }

    it("exits 1 naming the path and the setting when the database cannot be created", async () => {
      const blocker = join(dirname(cli.databasePath), "a-file");
      writeFileSync(blocker, "");

      const run = await cli.run(["migrate"], {
        env: { GATEHOUSE_DATABASE_URL: `sqlite:${blocker}/gatehouse.db` },
      });

      assert.equal(run.status, 1);
      assert.equal(
        run.stderr,
        `gatehouse: cannot use the SQLite database ${blocker}/gatehouse.db: a part of the path is a file, not a folder; set GATEHOUSE_DATABASE_URL to a path this process can write\n`,
      );
    });

    it("maps an unexpected error to exit 1 with its message and a hint to rerun at debug", async () => {
      const run = await cli.run(["serve"], {
        options: { startServer: throwing(new Error("boom")) },
      });

      assert.equal(run.status, 1);
      assert.equal(
        run.stderr,
        "gatehouse: unexpected error: boom (rerun with GATEHOUSE_LOG_LEVEL=debug for the stack)\n",
      );
    });

    it("adds the stack of an unexpected error at the debug level", async () => {
      const run = await cli.run(["serve"], {
        env: { GATEHOUSE_LOG_LEVEL: "debug" },
        options: { startServer: throwing(new Error("boom")) },
      });

      assert.equal(run.status, 1);
      assert.match(run.stderr, /^gatehouse: unexpected error: boom\nError: boom\n {4}at /);
    });
  });

  describe("migrate", () => {
    it("creates the database and reports the schema as up to date, every time", async () => {
      const first = await cli.run(["migrate"]);
      const second = await cli.run(["migrate"]);

      assert.equal(first.status, 0);
      assert.equal(second.status, 0);
      assert.equal(second.stdout, `schema is up to date (${cli.databasePath})\n`);
      assert.ok(existsSync(cli.databasePath));
    });

    it("names the accounts an older database holds whose usernames differ only by case", async () => {
      const path = join(dirname(cli.databasePath), "before-006.db");
      const before006 = join(dirname(cli.databasePath), "before-006");
      mkdirSync(before006);
      for (const file of readdirSync(shippedSqliteMigrations).filter((name) => name < "006")) {
        writeFileSync(join(before006, file), readFileSync(new URL(file, shippedSqliteMigrations)));
      }
      const old = new DatabaseSync(path);
      migrateSqlite(old, { directory: pathToFileURL(`${before006}/`) });
      const insert = old.prepare(
        "INSERT INTO users (username, password_hash, created_at, updated_at) VALUES (?, 'x', 0, 0)",
      );
      for (const name of ["johndoe", "JohnDoe"]) insert.run(name);
      old.close();

      const run = await cli.run(["migrate"], { env: { GATEHOUSE_DATABASE_URL: `sqlite:${path}` } });

      assert.equal(run.status, 0);
      assert.match(run.stdout, /^usernames differing only by case: JohnDoe, johndoe$/m);
    });
  });

  describe("hash-password", () => {
    it("prints an argon2id hash that verifies the password read from io", async () => {
      const run = await cli.run(["hash-password"], {
        passwords: ["open sesame, said the passphrase"],
      });

      assert.equal(run.status, 0);
      const hash = run.stdout.trimEnd();
      assert.match(hash, /^\$argon2id\$v=19\$/);
      assert.ok(!run.stdout.includes("open sesame, said the passphrase"));
      const hasher = createFastHasher();
      try {
        assert.equal((await hasher.verify(hash, "open sesame, said the passphrase")).matches, true);
      } finally {
        await hasher.close();
      }
    });

    it("asks for confirmation of the password", async () => {
      const run = await cli.run(["hash-password"], {
        passwords: ["open sesame, said the passphrase"],
      });

      assert.deepEqual(run.prompts, [{ prompt: "Password: ", confirm: true }]);
    });

    it("refuses an empty password with exit 1", async () => {
      const run = await cli.run(["hash-password"], { passwords: [""] });

      assert.equal(run.status, 1);
      assert.equal(run.stdout, "");
    });

    it("refuses a password shorter than the policy's minimum with exit 1 (issue 16)", async () => {
      const run = await cli.run(["hash-password"], { passwords: ["short phrase"] });

      assert.equal(run.status, 1);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, /must be at least 15 characters/);
    });

    it("follows GATEHOUSE_PASSWORD_MIN_LENGTH", async () => {
      const run = await cli.run(["hash-password"], {
        passwords: ["open sesame, said the passphrase"],
        env: { GATEHOUSE_PASSWORD_MIN_LENGTH: "40" },
      });

      assert.equal(run.status, 1);
      assert.match(run.stderr, /must be at least 40 characters/);
    });

    it("refuses a commonly used password whatever its length with exit 1 (issue 16)", async () => {
      const run = await cli.run(["hash-password"], {
        passwords: ["password"],
        env: { GATEHOUSE_PASSWORD_MIN_LENGTH: "8" },
      });

      assert.equal(run.status, 1);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, /commonly used/);
    });

    it("refuses a password given as an argument with exit 2", async () => {
      const run = await cli.run(["hash-password", "open sesame, said the passphrase"]);

      assert.equal(run.status, 2);
      assert.equal(run.prompts.length, 0);
    });
  });

  describe("version", () => {
    for (const argv of [["--version"], ["-V"], ["version"]]) {
      it(`prints the service package's version and exits 0 for ${argv.join(" ")}`, async () => {
        const pkg = JSON.parse(
          readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
        ) as { version: string };

        const run = await cli.run(argv);

        assert.equal(run.status, 0);
        assert.equal(run.stdout, `${pkg.version}\n`);
        assert.equal(run.stderr, "");
      });
    }
  });

  describe("unknown settings", () => {
    it("warns once on stderr of a GATEHOUSE_* variable that is no setting, naming the nearest", async () => {
      const run = await cli.run(["users", "list"], {
        env: { GATEHOUSE_LOG_LEVEL: "info", GATEHOUSE_DATABSE_URL: "sqlite:elsewhere.db" },
      });

      assert.equal(run.status, 0, run.stderr);
      assert.equal(
        run.stderr,
        "gatehouse: warning: GATEHOUSE_DATABSE_URL is not a Gatehouse setting and is ignored; did you mean GATEHOUSE_DATABASE_URL?\n",
      );
    });

    it("keeps quiet about them at the error and silent log levels", async () => {
      const run = await cli.run(["users", "list"], {
        env: { GATEHOUSE_LOG_LEVEL: "error", GATEHOUSE_WORKER: "2" },
      });

      assert.equal(run.stderr, "");
    });
  });

  describe("serve", () => {
    it("listens where --host and --port say, over HOST and PORT", async () => {
      let listen = "";
      const startServer: StartServer = async (settings) => {
        listen = `${settings.host}:${settings.port}`;
        return { port: settings.port, close: async () => {} };
      };

      const run = await cli.run(["serve", "--host", "0.0.0.0", "--port", "9123"], {
        env: { HOST: "127.0.0.1", PORT: "8000" },
        options: { startServer, waitForShutdown: async () => {} },
      });

      assert.equal(run.status, 0, run.stderr);
      assert.equal(listen, "0.0.0.0:9123");
    });

    it("exits 2 for a --port that is not a whole number from 0 to 65535, or an empty --host", async () => {
      for (const args of [
        ["--port", "65536"],
        ["--port", "http"],
        ["--host", ""],
      ]) {
        const run = await cli.run(["serve", ...args]);

        assert.equal(run.status, 2, args.join(" "));
      }
    });

    it("starts the server with the settings and closes it on shutdown", async () => {
      const events: string[] = [];
      const startServer: StartServer = async (settings) => {
        events.push(`start ${describeDatabase(settings.database)}`);
        return {
          port: 1234,
          close: async () => {
            events.push("close");
          },
        };
      };

      const run = await cli.run(["serve"], {
        options: {
          startServer,
          waitForShutdown: async () => {
            events.push("shutdown");
          },
        },
      });

      assert.equal(run.status, 0);
      assert.deepEqual(events, [`start ${cli.databasePath}`, "shutdown", "close"]);
    });

    it("stops the server on SIGTERM by default", async () => {
      let closed = false;
      const startServer: StartServer = async () => {
        // Delivered once serve waits for it, as a real signal would be.
        setImmediate(() => process.emit("SIGTERM"));
        return {
          port: 1234,
          close: async () => {
            closed = true;
          },
        };
      };

      const run = await cli.run(["serve"], { options: { startServer } });

      assert.equal(run.status, 0);
      assert.equal(closed, true);
      assert.equal(process.listenerCount("SIGTERM"), 0);
    });

    it("runs the real server entry on an ephemeral port", async () => {
      const run = await cli.run(["serve"], {
        env: { PORT: "0", GATEHOUSE_LOG_LEVEL: "info", GATEHOUSE_HASH_WORKERS: "1" },
        options: { waitForShutdown: async () => {} },
      });

      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /"msg":"listening"/);
    });

    it("exits 2 when given an argument", async () => {
      const run = await cli.run(["serve", "now"]);

      assert.equal(run.status, 2);
    });

    it("starts worker processes for --workers above one, and closes them on shutdown", async () => {
      const events: string[] = [];
      const startWorkers: StartWorkers = async (_settings, { workers }) => {
        events.push(`workers ${workers}`);
        return {
          close: async () => {
            events.push("close");
          },
        };
      };

      const run = await cli.run(["serve", "--workers", "3"], {
        options: { startWorkers, waitForShutdown: async () => {} },
      });

      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(events, ["workers 3", "close"]);
    });

    it("takes the worker count from GATEHOUSE_WORKERS", async () => {
      let started = 0;
      const startWorkers: StartWorkers = async (_settings, { workers }) => {
        started = workers;
        return { close: async () => {} };
      };

      await cli.run(["serve"], {
        env: { GATEHOUSE_WORKERS: "2" },
        options: { startWorkers, waitForShutdown: async () => {} },
      });

      assert.equal(started, 2);
    });

    it("exits 2 for a --workers that is not a whole number from 1 to 64", async () => {
      for (const value of ["0", "65", "two", "1.5"]) {
        const run = await cli.run(["serve", "--workers", value]);

        assert.equal(run.status, 2, value);
      }
    });
  });
});
