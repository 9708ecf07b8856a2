// Moving users over from FastAPI: import a file mixing good, duplicate and malformed rows with
// every hash format, then log each imported user in over HTTP and see the hash upgraded.
import assert from "node:assert/strict";
import { pbkdf2Sync } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { hashSync as argon2Hash } from "@node-rs/argon2";
import { hashSync as bcryptHash } from "@node-rs/bcrypt";
import { createApp } from "gatehouse-auth/http/app";
import type { OpenApiApp } from "gatehouse-auth/http/openapi";
import type { Services } from "gatehouse-auth/service/compose";
import { type CliHarness, createCliHarness } from "../fixtures/cli-harness.ts";

// The seed's johndoe: passlib bcrypt of "secret", cost 12, exactly as the tutorial prints it.
const seedHash = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";
const djangoHash = (password: string, salt: string, iterations: number): string =>
  `pbkdf2_sha256$${iterations}$${salt}$${pbkdf2Sync(password, salt, iterations, 32, "sha256").toString("base64")}`;

const passwords = {
  bcuser: "bcrypt password",
  a2user: "argon2 password",
  djuser: "django password",
  johndoe: "secret",
} as const;

const csv = [
  "username,email,full_name,disabled,hashed_password,scopes",
  `bcuser,bc@example.com,"Doe, Jane",false,${bcryptHash(passwords.bcuser, 4)},me items`,
  // pwdlib's argon2id with parameters other than the current policy's; quoted, as its commas require.
  `a2user,,Argon User,,"${argon2Hash(passwords.a2user, { algorithm: 2, memoryCost: 16, timeCost: 1, parallelism: 1 })}",me`,
  `djuser,dj@example.com,Django User,0,${djangoHash(passwords.djuser, "s4ltS4lt", 1000)},`,
  `bcuser,other@example.com,Duplicate,false,${bcryptHash("other", 4)},me`,
  "plain,plain@example.com,Plain,false,not-a-hash-at-all,me",
  `-bad,bad@example.com,Bad Name,false,${bcryptHash("x", 4)},me`,
  `mailer,not-an-email,Bad Mail,false,${bcryptHash("x", 4)},me`,
  `scoper,s@example.com,Bad Scope,false,${bcryptHash("x", 4)},me root`,
  `weakpbkdf,w@example.com,Too Many,false,pbkdf2_sha256$99999999$salt$${"A".repeat(43)}=,me`,
].join("\r\n");

describe("gatehouse users import", () => {
  let cli: CliHarness;
  let services: Services;
  let app: OpenApiApp;
  let report: { status: number; stdout: string; stderr: string };

  before(async () => {
    cli = await createCliHarness();
    const file = join(cli.databasePath, "..", "users.csv");
    await writeFile(file, csv);
    report = await cli.run(["users", "import", file]);
    const json = join(cli.databasePath, "..", "users.json");
    // FastAPI's fake_users_db, as the tutorial writes it.
    await writeFile(
      json,
      JSON.stringify({
        johndoe: {
          username: "johndoe",
          full_name: "John Doe",
          email: "johndoe@example.com",
          hashed_password: seedHash,
          disabled: false,
          scopes: ["me", "items"],
        },
      }),
    );
    const jsonRun = await cli.run(["users", "import", json, "--format", "json"]);
    assert.equal(jsonRun.status, 0, jsonRun.stderr);
    services = await cli.openServices();
    app = createApp(services);
  });
  after(async () => {
    await services.close();
    await cli.remove();
  });

  it("reports every row: imported, skipped as a duplicate, or invalid with the reason", () => {
    const lines = report.stdout.trim().split("\n");

    assert.deepEqual(lines, [
      "row 1 bcuser: imported (bcrypt hash, upgraded to argon2id at next login)",
      "row 2 a2user: imported (argon2 hash, upgraded to argon2id at next login)",
      "row 3 djuser: imported (pbkdf2_sha256 hash, upgraded to argon2id at next login)",
      "row 4 bcuser: skipped: a user with this username, or one differing only by case, exists",
      "row 5 plain: invalid: hashed_password is not an argon2, bcrypt or pbkdf2_sha256 hash",
      "row 6 -: invalid: username must be 1 to 64 characters of A-Z a-z 0-9 . _ @ -, starting with a letter or digit",
      "row 7 mailer: invalid: email not a valid email address",
      "row 8 scoper: invalid: unknown scope root",
      "row 9 weakpbkdf: invalid: hashed_password is not an argon2, bcrypt or pbkdf2_sha256 hash",
      "imported 3, skipped 1, invalid 5",
      "3 imported password hash(es) could not be checked against the password policy",
    ]);
    assert.equal(report.status, 1);
    assert.match(report.stderr, /5 row\(s\) were invalid/);
  });

  it("never prints a hash in the report", () => {
    assert.doesNotMatch(report.stdout, /\$2b\$|\$argon2|pbkdf2_sha256\$/);
  });

  it("keeps the fields of imported rows and leaves invalid rows out entirely", async () => {
    const bcuser = await services.store.users.findByUsername("bcuser");

    assert.equal(bcuser?.fullName, "Doe, Jane");
    assert.equal(bcuser?.email, "bc@example.com");
    assert.deepEqual(bcuser?.scopes, ["me", "items"]);
    assert.equal((await services.store.users.findByUsername("a2user"))?.email, null);
    for (const name of ["plain", "mailer", "scoper", "weakpbkdf"]) {
      assert.equal(await services.store.users.findByUsername(name), undefined);
    }
  });

  it("records user.created with source import for each imported row", async () => {
    const page = await services.store.audit.list({ type: "user.created", limit: 10 });

    assert.deepEqual(
      page.events.map((e) => [e.subject, e.actor, e.details["source"], e.details["hashFormat"]]),
      [
        ["johndoe", "cli", "import", "bcrypt"],
        ["djuser", "cli", "import", "pbkdf2_sha256"],
        ["a2user", "cli", "import", "argon2"],
        ["bcuser", "cli", "import", "bcrypt"],
      ],
    );
  });

  for (const [username, password] of Object.entries(passwords)) {
    it(`logs ${username} in over HTTP with the old password and upgrades the hash to argon2id`, async () => {
      const before = (await services.store.users.findByUsername(username))?.passwordHash;

      const response = await app.request("/token", {
        method: "POST",
        body: new URLSearchParams({ username, password }),
      });

      assert.equal(response.status, 200);
      const after = (await services.store.users.findByUsername(username))?.passwordHash;
      assert.notEqual(after, before);
      assert.match(after ?? "", /^\$argon2id\$v=19\$m=8,t=1,p=1\$/);
    });
  }

  it("refuses a wrong password for an imported user", async () => {
    const response = await app.request("/token", {
      method: "POST",
      body: new URLSearchParams({ username: "djuser", password: "wrong" }),
    });

    assert.equal(response.status, 400);
  });
});
