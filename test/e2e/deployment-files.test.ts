// The deployment examples in docs/deploy/ are checked by the tools that will read them: the
// systemd unit by `systemd-analyze verify`, the nginx site by `nginx -t`, the environment file by
// Gatehouse's own settings loader.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { environmentSchema, loadSettings } from "gatehouse-auth/service/config";

const deploy = new URL("../../docs/deploy/", import.meta.url);
const readDeployFile = (name: string): string => readFileSync(new URL(name, deploy), "utf8");
const ciRun = process.env["CI"] === "true";

/** Finds a program on PATH, or in the sbin folders a non-root PATH often lacks. */
function findExecutable(name: string): string | undefined {
  const folders = [...(process.env["PATH"] ?? "").split(delimiter), "/usr/sbin", "/sbin"];
  for (const folder of folders.filter((entry) => entry !== "")) {
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder.
    }
  }
  return undefined;
}

/** Runs a tool and returns its exit status with everything it printed. */
function run(command: string, args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * Registers `body` when every tool is installed. Otherwise the suite is skipped with one line
 * naming the Debian packages, or, with CI=true, fails: CI must run these checks.
 */
function describeWithTools(
  title: string,
  tools: Readonly<Record<string, string>>,
  body: (paths: Readonly<Record<string, string>>) => void,
): void {
  const paths: Record<string, string> = {};
  const missing: string[] = [];
  for (const [tool, debianPackage] of Object.entries(tools)) {
    const path = findExecutable(tool);
    if (path === undefined) missing.push(`${tool} (Debian package ${debianPackage})`);
    else paths[tool] = path;
  }
  const reason = `needs ${missing.join(" and ")}; install it to run this check`;
  if (missing.length > 0 && ciRun) {
    describe(title, () => {
      it("has its tools installed in CI", () => {
        assert.fail(reason);
      });
    });
    return;
  }
  describe(title, { skip: missing.length > 0 ? reason : false }, () => body(paths));
}

/** Reads KEY=VALUE lines as systemd's EnvironmentFile= does for this simple file. */
function parseEnvironmentFile(text: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const equals = trimmed.indexOf("=");
    entries[trimmed.slice(0, equals)] = trimmed.slice(equals + 1);
  }
  return entries;
}

describe("the example environment file", () => {
  it("sets only variables Gatehouse knows", () => {
    const names = Object.keys(parseEnvironmentFile(readDeployFile("gatehouse.env")));

    const known = Object.keys(environmentSchema.shape);
    assert.deepEqual(
      names.filter((name) => !known.includes(name)),
      [],
    );
  });

  it("is a valid configuration, listening on loopback behind the proxy it trusts", () => {
    const settings = loadSettings(parseEnvironmentFile(readDeployFile("gatehouse.env")));

    assert.equal(settings.host, "127.0.0.1");
    assert.deepEqual(settings.trustedProxies, ["127.0.0.1", "::1"]);
    assert.equal(settings.database.kind, "sqlite");
  });
});

describeWithTools("the systemd unit", { "systemd-analyze": "systemd" }, (paths) => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-unit-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("passes systemd-analyze verify", async () => {
    // verify requires ExecStart to name an existing executable: a stand-in takes the place of
    // the installed `gatehouse` command, and the unit is otherwise checked as shipped.
    const standIn = join(dir, "gatehouse");
    await writeFile(standIn, "#!/bin/sh\nexit 0\n");
    await chmod(standIn, 0o755);
    const unit = readDeployFile("gatehouse.service").replaceAll(
      "/opt/gatehouse/node_modules/.bin/gatehouse",
      standIn,
    );
    const unitPath = join(dir, "gatehouse.service");
    await writeFile(unitPath, unit);

    const { status, output } = run(paths["systemd-analyze"] ?? "", ["verify", unitPath]);

    assert.equal(status, 0, output);
    // Unknown keys and bad values are only warnings; any line about the unit counts as a failure.
    assert.deepEqual(
      output.split("\n").filter((line) => line.includes("gatehouse.service")),
      [],
    );
  });
});

describeWithTools("the nginx site", { nginx: "nginx", openssl: "openssl" }, (paths) => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-nginx-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("passes nginx -t inside an http block", async () => {
    // A throwaway certificate stands in for the site's, and the main configuration keeps every
    // file nginx writes inside the temporary folder.
    const certificate = join(dir, "fullchain.pem");
    const key = join(dir, "privkey.pem");
    const openssl = run(paths["openssl"] ?? "", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=auth.example.com",
      "-keyout",
      key,
      "-out",
      certificate,
    ]);
    assert.equal(openssl.status, 0, openssl.output);
    const site = readDeployFile("nginx.conf")
      .replaceAll("/etc/letsencrypt/live/auth.example.com/fullchain.pem", certificate)
      .replaceAll("/etc/letsencrypt/live/auth.example.com/privkey.pem", key);
    await writeFile(join(dir, "site.conf"), site);
    const temp = join(dir, "temp");
    await mkdir(temp);
    const main = [
      `pid ${join(dir, "nginx.pid")};`,
      "error_log stderr;",
      "events {}",
      "http {",
      ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
        (kind) => `  ${kind}_temp_path ${join(temp, kind)};`,
      ),
      "  access_log off;",
      `  include ${join(dir, "site.conf")};`,
      "}",
      "",
    ].join("\n");
    await writeFile(join(dir, "nginx.conf"), main);

    const { status, output } = run(paths["nginx"] ?? "", [
      "-t",
      "-p",
      `${dir}/`,
      "-c",
      join(dir, "nginx.conf"),
    ]);

    assert.equal(status, 0, output);
    assert.match(output, /test is successful/);
  });
});
