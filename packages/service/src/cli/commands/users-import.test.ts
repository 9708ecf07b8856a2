import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CliHarness, createCliHarness } from "../../../../../test/fixtures/cli-harness.ts";

const bcrypt = "$2b$12$EixZaYVK1fsbw1ZfbX3OXePaWxn96p36WQoeG6Lruj3vjPGga31lW";

describe("gatehouse users import, file handling", () => {
  let cli: CliHarness;
  let serial = 0;
  const file = async (name: string, text: string): Promise<string> => {
    const path = join(cli.databasePath, "..", `${++serial}-${name}`);
    await writeFile(path, text);
    return path;
  };

  before(async () => {
    cli = await createCliHarness();
  });
  after(async () => {
    await cli.remove();
  });

  it("imports a JSON array of users and exits 0 when every row was good", async () => {
    const path = await file(
      "users.json",
      JSON.stringify([{ username: "ann", hashed_password: bcrypt, disabled: true, scopes: "me" }]),
    );

    const run = await cli.run(["users", "import", path]);

    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /row 1 ann: imported \(bcrypt hash/);
    const services = await cli.openServices();
    const ann = await services.store.users.findByUsername("ann");
    await services.close();
    assert.equal(ann?.disabled, true);
    assert.deepEqual(ann?.scopes, ["me"]);
  });

  it("skips a row whose username differs from an existing one, or an earlier row's, only by case", async () => {
    const path = await file(
      "case.json",
      JSON.stringify([
        { username: "CaseUser", hashed_password: bcrypt },
        { username: "caseuser", hashed_password: bcrypt },
        { username: "CASEUSER", hashed_password: bcrypt },
      ]),
    );

    const run = await cli.run(["users", "import", path]);

    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /row 2 caseuser: skipped: .*differing only by case/);
    assert.match(run.stdout, /row 3 CASEUSER: skipped: .*differing only by case/);
    const services = await cli.openServices();
    const names = (await services.store.users.listUsers()).map((user) => user.username);
    await services.close();
    assert.deepEqual(
      names.filter((name) => name.toLowerCase() === "caseuser"),
      ["CaseUser"],
    );
  });

  it("reports a row that is not an object, or lacks both the hash and a password, as invalid", async () => {
    const path = await file("odd.json", JSON.stringify([42, { username: "nohash" }]));

    const run = await cli.run(["users", "import", path]);

    assert.equal(run.status, 1);
    assert.match(run.stdout, /row 1 -: invalid: row /);
    assert.match(run.stdout, /row 2 nohash: invalid: row needs either hashed_password or password/);
  });

  it("reports a row whose full name or email holds a NUL as invalid, storing nothing (issue 16)", async () => {
    const path = await file(
      "nul.json",
      JSON.stringify([
        { username: "nulname", hashed_password: bcrypt, full_name: "a\u0000b" },
        { username: "nulmail", hashed_password: bcrypt, email: "a\u0000b@example.com" },
      ]),
    );

    const run = await cli.run(["users", "import", path]);

    assert.equal(run.status, 1);
    assert.match(run.stdout, /row 1 nulname: invalid: full_name must not contain a NUL character/);
    assert.match(run.stdout, /row 2 nulmail: invalid: email/);
    const services = await cli.openServices();
    const stored = await services.store.users.findByUsername("nulname");
    await services.close();
    assert.equal(stored, undefined);
  });

  it("holds a plain password to the password policy, importing only those it accepts (issue 16)", async () => {
    const path = await file(
      "plain.json",
      JSON.stringify([
        { username: "pat", password: "a long enough passphrase here" },
        { username: "shorty", password: "short" },
        { username: "common", password: "password" },
        { username: "both", password: "a long enough passphrase here", hashed_password: bcrypt },
      ]),
    );

    const run = await cli.run(["users", "import", path], {
      env: { GATEHOUSE_PASSWORD_MIN_LENGTH: "8" },
    });

    assert.equal(run.status, 1);
    assert.match(run.stdout, /row 1 pat: imported \(password checked against the password policy/);
    assert.match(run.stdout, /row 2 shorty: invalid: password must be at least 8 characters/);
    assert.match(run.stdout, /row 3 common: invalid: password is a commonly used password/);
    assert.match(run.stdout, /row 4 both: invalid: row needs either hashed_password or password/);
    assert.ok(!run.stdout.includes("passphrase") && !run.stdout.includes("short\n"));
    const services = await cli.openServices();
    try {
      const pat = await services.store.users.findByUsername("pat");
      assert.ok(pat !== undefined);
      const check = await services.hasher.verify(pat.passwordHash, "a long enough passphrase here");
      assert.equal(check.matches, true);
      assert.equal(await services.store.users.findByUsername("shorty"), undefined);
      assert.equal(await services.store.users.findByUsername("common"), undefined);
    } finally {
      await services.close();
    }
  });

  it("reports how many imported hashes it could not check against the policy (issue 16)", async () => {
    const path = await file(
      "mixed.csv",
      [
        "username,hashed_password,password",
        `hashed1,${bcrypt},`,
        `hashed2,${bcrypt},`,
        "plain1,,a long enough passphrase here",
      ].join("\n"),
    );

    const run = await cli.run(["users", "import", path]);

    assert.equal(run.status, 0, run.stdout);
    assert.match(run.stdout, /^imported 3, skipped 0, invalid 0$/m);
    assert.match(
      run.stdout,
      /^2 imported password hash\(es\) could not be checked against the password policy$/m,
    );
  });

  it("reports a row whose email or full name is longer than the admin API allows as invalid", async () => {
    const path = await file(
      "long.json",
      JSON.stringify([
        { username: "longmail", hashed_password: bcrypt, email: `${"a".repeat(250)}@b.io` },
        { username: "longname", hashed_password: bcrypt, full_name: "n".repeat(257) },
        { username: "fine", hashed_password: bcrypt, full_name: "n".repeat(256) },
      ]),
    );

    const run = await cli.run(["users", "import", path]);

    assert.equal(run.status, 1);
    assert.match(run.stdout, /row 1 longmail: invalid: email is longer than 254 characters/);
    assert.match(run.stdout, /row 2 longname: invalid: full_name is longer than 256 characters/);
    assert.match(run.stdout, /row 3 fine: imported/);
  });

  for (const [label, name, text, args] of [
    ["a file that is not JSON", "bad.json", "{nope", []],
    ["JSON that holds no users", "scalar.json", "42", []],
    ["a CSV quote never closed", "bad.csv", 'username\n"open', []],
    ["an unknown --format", "users.txt", "", ["--format", "xml"]],
  ] as const) {
    it(`exits 2 for ${label}`, async () => {
      const path = await file(name, text);

      const run = await cli.run(["users", "import", path, ...args]);

      assert.equal(run.status, 2);
    });
  }

  it("exits 2 for a file that cannot be read", async () => {
    const run = await cli.run(["users", "import", join(cli.databasePath, "..", "missing.csv")]);

    assert.equal(run.status, 2);
    assert.match(run.stderr, /cannot read/);
  });
});
