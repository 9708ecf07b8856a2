// The packages as a user gets them: `npm pack` each workspace, install the tarballs into a scratch
// project outside the repository with `npm install --omit=dev`, type-check a small consumer of each
// package with the repository's tsc (strict, library types checked too) and run it on Node 24, then
// start the installed `gatehouse` binary. Needs the npm registry for the packages' dependencies.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, delimiter, dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { runProcess } from "../fixtures/child-process.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const workspaces = [
  { name: "gatehouse-auth-core", dir: "packages/core" },
  { name: "gatehouse-auth-guard", dir: "packages/resource-server" },
  { name: "gatehouse-auth", dir: "packages/service" },
] as const;
type PackageName = (typeof workspaces)[number]["name"];

interface Manifest {
  readonly version: string;
  readonly devDependencies?: Readonly<Record<string, string>>;
}
const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as Manifest;
const rootDevDependency = (name: string): string => {
  const version = manifest(".").devDependencies?.[name];
  assert.ok(version, `${name} is a dev dependency of the repository`);
  return version;
};
const serviceVersion = manifest("packages/service").version;
const issuer = "http://gatehouse.test";

// Children get Node 24 first on PATH (npm's scripts and the `gatehouse` shebang run `node`), and
// none of this run's npm script variables, source condition or Gatehouse settings: a user's shell
// has none of them.
const inherited =
  /^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|INIT_CWD$|NODE_OPTIONS$|GATEHOUSE_|HOST$|PORT$)/;
function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !inherited.test(key)),
  );
  return {
    ...env,
    PATH: `${dirname(process.execPath)}${delimiter}${process.env["PATH"] ?? ""}`,
    ...extra,
  };
}

async function succeed(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly timeoutMs: number; readonly env?: NodeJS.ProcessEnv },
): Promise<string> {
  const exit = await runProcess(command, args, { ...options, env: options.env ?? childEnv() });
  assert.equal(
    exit.status,
    0,
    `${basename(command)} ${args.join(" ")} failed:\n${exit.stdout}\n${exit.stderr}`,
  );
  return exit.stdout;
}

// npm on Node 24: the npm that runs this test when there is one, else the one on PATH.
const npmCli = process.env["npm_execpath"];
const npm = (
  args: readonly string[],
  options: { readonly cwd: string; readonly timeoutMs: number },
): Promise<string> =>
  npmCli !== undefined && /npm-cli\.[cm]?js$/.test(npmCli)
    ? succeed(process.execPath, [npmCli, ...args], options)
    : succeed("npm", args, options);

async function registryUnreachable(): Promise<string | undefined> {
  if (process.env["CI"] !== undefined && process.env["CI"] !== "") return undefined;
  try {
    await npm(["ping"], { cwd: root, timeoutMs: 15_000 });
    return undefined;
  } catch {
    return "SKIPPED: the npm registry cannot be reached (this test always runs when CI is set)";
  }
}

// A dependency tree from npm's record of what it installed (node_modules/.package-lock.json).
interface InstalledPackage {
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
}
type InstalledTree = Readonly<Record<string, InstalledPackage>>;

function resolveInstalled(tree: InstalledTree, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (tree[candidate] !== undefined) return candidate;
    if (base === "") return undefined;
    const parent = base.lastIndexOf("/node_modules/");
    base = parent === -1 ? "" : base.slice(0, parent);
  }
}

/** Every installed location `roots` need at run time: dependencies, platform binaries, required peers. */
function closure(tree: InstalledTree, roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (location: string): void => {
    if (seen.has(location)) return;
    seen.add(location);
    const pkg = tree[location] ?? {};
    const required = Object.keys(pkg.peerDependencies ?? {}).filter(
      (name) => pkg.peerDependenciesMeta?.[name]?.optional !== true,
    );
    const names = [
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...required,
    ];
    for (const name of names) {
      const found = resolveInstalled(tree, location, name);
      if (found !== undefined) visit(found);
    }
  };
  for (const location of roots) visit(location);
  return seen;
}

function bytesOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && !path.slice(dir.length).includes("/node_modules/")) {
      total += statSync(path).size;
    }
  }
  return total;
}

const packageName = (location: string): string =>
  location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length);

const skip = await registryUnreachable();
if (skip !== undefined) console.log(skip);

const coreConsumer = `// Hash and verify a password, issue and verify an access token, with the toolkit core alone.
import {
  createArgon2Hasher,
  createScopeCatalogue,
  createTokenService,
  generateSigningKey,
  isAuthError,
  seedScopeDescriptions,
  systemClock,
  toTokenKey,
} from "gatehouse-auth-core";

const hasher = createArgon2Hasher({ workers: 1 });
const hash = await hasher.hash("correct horse battery staple");
const right = await hasher.verify(hash, "correct horse battery staple");
const wrong = await hasher.verify(hash, "Tr0ub4dor&3");
await hasher.close();

const scopes = createScopeCatalogue(seedScopeDescriptions);
const tokens = createTokenService({
  key: toTokenKey(generateSigningKey("EdDSA", Date.now())),
  scopes,
  clock: systemClock,
  issuer: "https://auth.example.com",
});
const issued = tokens.issue("johndoe", scopes.parse("me items"));
const verified = tokens.verify(issued.token);
// One character of the signature changed (not the last ones, whose low bits are padding).
const at = issued.token.length - 10;
const forgedToken = \`\${issued.token.slice(0, at)}\${issued.token[at] === "A" ? "B" : "A"}\${issued.token.slice(at + 1)}\`;
let forged = "accepted";
try {
  tokens.verify(forgedToken);
} catch (error) {
  forged = isAuthError(error) ? error.code : "unexpected error";
}

console.log(
  JSON.stringify({
    format: hash.split("$")[1],
    matches: right.matches,
    wrongMatches: wrong.matches,
    subject: verified.subject,
    scopes: verified.scopes,
    forged,
  }),
);
`;

const guardConsumer = `// An Express route guarded by gatehouse-auth-guard, against a running Gatehouse's JWKS.
import type { AddressInfo } from "node:net";
import express from "express";
import { createRemoteVerifier } from "gatehouse-auth-guard";
import { createExpressGuard } from "gatehouse-auth-guard/express";

const gatehouse = process.env["GATEHOUSE_URL"] ?? "http://127.0.0.1:8000";
const guard = createExpressGuard(
  createRemoteVerifier({
    jwksUrl: \`\${gatehouse}/.well-known/jwks.json\`,
    issuer: process.env["GATEHOUSE_ISSUER"] ?? gatehouse,
  }),
);

const app = express();
app.get("/items", guard.require(["items"]), (request, response) => {
  const principal = guard.principal(request);
  response.json({ owner: principal.subject, scopes: principal.scopes });
});
const server = app.listen(0, "127.0.0.1");
await new Promise<void>((resolve) => server.once("listening", () => resolve()));
const { port } = server.address() as AddressInfo;

async function token(scope: string): Promise<string> {
  const response = await fetch(\`\${gatehouse}/token\`, {
    method: "POST",
    body: new URLSearchParams({ username: "johndoe", password: "secret", scope }),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}
const items = (authorization?: string): Promise<Response> =>
  fetch(\`http://127.0.0.1:\${port}/items\`, {
    headers: authorization === undefined ? {} : { authorization },
  });

const anonymous = await items();
const withoutScope = await items(\`Bearer \${await token("me")}\`);
const allowed = await items(\`Bearer \${await token("me items")}\`);
console.log(
  JSON.stringify({
    anonymous: anonymous.status,
    withoutScope: withoutScope.status,
    allowed: allowed.status,
    body: await allowed.json(),
  }),
);
server.close();
`;

const serviceConsumer = `// The service embedded in a program of one's own: settings, start, a health check, stop.
import { startServer } from "gatehouse-auth/server/start-server";
import { loadSettings } from "gatehouse-auth/service/config";
import { silentLogger } from "gatehouse-auth/telemetry/logger";

const settings = loadSettings({
  HOST: "127.0.0.1",
  PORT: "0",
  GATEHOUSE_DATABASE_URL: "sqlite::memory:",
  GATEHOUSE_HASH_WORKERS: "1",
});
const server = await startServer(settings, { logger: silentLogger });
const health = await fetch(\`http://127.0.0.1:\${server.port}/healthz\`);
console.log(JSON.stringify({ status: health.status }));
await server.close();
`;

const consumerTsconfig = {
  compilerOptions: {
    target: "es2024",
    lib: ["es2024"],
    module: "nodenext",
    moduleResolution: "nodenext",
    types: ["node"],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    erasableSyntaxOnly: true,
    skipLibCheck: false,
    noEmit: true,
  },
  include: ["*.ts"],
};

interface Gatehouse {
  readonly process: ChildProcess;
  readonly url: string;
}

async function startGatehouse(project: string): Promise<Gatehouse> {
  const bin = join(project, "node_modules", ".bin", "gatehouse");
  const child = spawn(bin, ["serve"], {
    cwd: project,
    env: childEnv({
      HOST: "127.0.0.1",
      PORT: "0",
      GATEHOUSE_DATABASE_URL: `sqlite:${join(project, "gatehouse.db")}`,
      GATEHOUSE_DEMO: "true",
      GATEHOUSE_ISSUER: issuer,
      GATEHOUSE_SIGNING_ALGORITHM: "EdDSA",
      GATEHOUSE_HASH_WORKERS: "1",
    }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a server behind: it would keep the test runner alive.
      child.kill("SIGKILL");
      reject(new Error(`gatehouse serve did not start: ${out}`));
    }, 20_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      // A JSON log line (stdout is a pipe), whatever the order of its fields.
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"listening"/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gatehouse serve exited with ${code}: ${out}`));
    });
  });
  return { process: child, url };
}

describe("the packed packages installed in a project of their own", { skip: skip ?? false }, () => {
  let scratch: string;
  let project: string;
  const tarballs = new Map<PackageName, string>();
  let gatehouse: Gatehouse | undefined;
  const consumer = (file: string): Promise<string> =>
    succeed(process.execPath, [file], {
      cwd: project,
      timeoutMs: 30_000,
      env: childEnv({ GATEHOUSE_URL: gatehouse?.url ?? "", GATEHOUSE_ISSUER: issuer }),
    });

  before(
    async () => {
      scratch = await mkdtemp(join(tmpdir(), "gatehouse-packages-"));
      const packed = join(scratch, "tarballs");
      project = join(scratch, "project");
      await mkdir(packed);
      await mkdir(project);

      // prepack builds each package from an empty dist/.
      await npm(["pack", "--workspaces", "--pack-destination", packed, "--silent"], {
        cwd: root,
        timeoutMs: 120_000,
      });
      const files = await readdir(packed);
      for (const { name, dir } of workspaces) {
        const file = `${name}-${manifest(dir).version}.tgz`;
        assert.ok(files.includes(file), `npm pack made ${file}`);
        tarballs.set(name, join(packed, file));
      }

      await writeFile(
        join(project, "package.json"),
        `${JSON.stringify({ name: "scratch", private: true, type: "module" }, null, 2)}\n`,
      );
      await npm(
        [
          "install",
          "--omit=dev",
          "--no-audit",
          "--no-fund",
          ...tarballs.values(),
          `express@${rootDevDependency("express")}`,
          // What a TypeScript user adds to type-check against Node and Express.
          `@types/node@${rootDevDependency("@types/node")}`,
          `@types/express@${rootDevDependency("@types/express")}`,
        ],
        { cwd: project, timeoutMs: 180_000 },
      );
      await writeFile(join(project, "tsconfig.json"), JSON.stringify(consumerTsconfig, null, 2));
      await writeFile(join(project, "core.ts"), coreConsumer);
      await writeFile(join(project, "guard.ts"), guardConsumer);
      await writeFile(join(project, "service.ts"), serviceConsumer);
      // Every TypeScript example of the installed READMEs is type-checked with the consumers.
      for (const { name } of workspaces) {
        const readme = await readFile(join(project, "node_modules", name, "README.md"), "utf8");
        const examples = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? "");
        assert.ok(examples.length > 0, `${name}'s README has a TypeScript example`);
        for (const [index, example] of examples.entries()) {
          await writeFile(join(project, `readme-${name}-${index}.ts`), example);
        }
      }
    },
    { timeout: 300_000 },
  );
  after(async () => {
    if (gatehouse !== undefined && gatehouse.process.exitCode === null) {
      const exited = once(gatehouse.process, "exit");
      gatehouse.process.kill("SIGTERM");
      await exited;
    }
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it("passes publint for every package as installed", async () => {
    for (const { name } of workspaces) {
      const { messages, pkg } = await publint({
        pkgDir: join(project, "node_modules", name),
        pack: false,
        strict: true,
      });
      // The gatehouse-source condition points at src/, which is not published: only this
      // repository's scripts and tsconfig set it, to run and check the sources without a build.
      const problems = messages.filter(
        (message) =>
          !(
            message.code === "EXPORTS_GLOB_NO_MATCHED_FILES" &&
            message.path.at(-1) === "gatehouse-source"
          ),
      );
      assert.deepEqual(
        problems.map((message) => formatMessage(message, pkg)),
        [],
        `publint on ${name}`,
      );
    }
  });

  it("ships the repository's MIT LICENSE in every package", async () => {
    const license = await readFile(join(root, "LICENSE"), "utf8");

    for (const { name } of workspaces) {
      const shipped = await readFile(join(project, "node_modules", name, "LICENSE"), "utf8");
      assert.equal(shipped, license, `${name}'s LICENSE`);
    }
  });

  it("type-checks a strict consumer of each package and the README examples against the installed types", async () => {
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

    const output = await succeed(process.execPath, [tsc, "-p", "tsconfig.json"], {
      cwd: project,
      timeoutMs: 60_000,
    });

    assert.equal(output, "");
  });

  it("hashes and verifies a password and issues and verifies a token with the core", async () => {
    const result = JSON.parse(await consumer("core.ts")) as unknown;

    assert.deepEqual(result, {
      format: "argon2id",
      matches: true,
      wrongMatches: false,
      subject: "johndoe",
      scopes: ["me", "items"],
      forged: "token_invalid",
    });
  });

  it("starts the service embedded in a program and answers /healthz", async () => {
    const result = JSON.parse(await consumer("service.ts")) as unknown;

    assert.deepEqual(result, { status: 200 });
  });

  it("starts the installed gatehouse serve, which answers /healthz and serves its docs assets", async () => {
    gatehouse = await startGatehouse(project);

    const health = await fetch(`${gatehouse.url}/healthz`);
    const assets = await Promise.all(
      [
        "/docs",
        "/redoc",
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-ui.css",
        "/redoc/redoc.standalone.js",
      ].map(async (path) => {
        const response = await fetch(`${gatehouse?.url}${path}`);
        await response.arrayBuffer();
        return [path, response.status];
      }),
    );

    assert.equal(health.status, 200);
    assert.deepEqual(Object.fromEntries(assets), {
      "/docs": 200,
      "/redoc": 200,
      "/docs/swagger-ui-bundle.js": 200,
      "/docs/swagger-ui.css": 200,
      "/redoc/redoc.standalone.js": 200,
    });
  });

  it("guards an Express route with the guard against the running service's keys", async () => {
    assert.ok(gatehouse, "gatehouse serve is running");

    const result = JSON.parse(await consumer("guard.ts")) as unknown;

    assert.deepEqual(result, {
      anonymous: 401,
      withoutScope: 403,
      allowed: 200,
      body: { owner: "johndoe", scopes: ["me", "items"] },
    });
  });

  it("stops gatehouse serve cleanly on SIGTERM", async () => {
    assert.ok(gatehouse, "gatehouse serve is running");
    const exited = once(gatehouse.process, "exit");

    gatehouse.process.kill("SIGTERM");
    const [code] = await exited;

    assert.equal(code, 0);
  });

  it("prints the service package's version for gatehouse --version", async () => {
    const bin = join(project, "node_modules", ".bin", "gatehouse");

    const output = await succeed(bin, ["--version"], { cwd: project, timeoutMs: 15_000 });

    assert.match(output, new RegExp(`\\b${serviceVersion.replaceAll(".", "\\.")}\\b`));
  });

  it("keeps web frameworks, database drivers and docs UIs out of the core's and the guard's trees", (t) => {
    const tree = (
      JSON.parse(readFileSync(join(project, "node_modules", ".package-lock.json"), "utf8")) as {
        packages: InstalledTree;
      }
    ).packages;
    const trees = {
      "gatehouse-auth-core": closure(tree, ["node_modules/gatehouse-auth-core"]),
      "gatehouse-auth-guard + express": closure(tree, [
        "node_modules/gatehouse-auth-guard",
        "node_modules/express",
      ]),
      "gatehouse-auth": closure(tree, ["node_modules/gatehouse-auth"]),
    };
    for (const [name, locations] of Object.entries(trees)) {
      const bytes = [...locations].reduce(
        (sum, location) => sum + bytesOf(join(project, location)),
        0,
      );
      t.diagnostic(`${name}: ${locations.size} packages, ${(bytes / 1e6).toFixed(1)} MB`);
    }
    const names = (locations: Set<string>): string[] => [...locations].map(packageName);
    const webOrDatabaseOrUi =
      /^(hono|@hono\/.*|express|fastify|pg|redoc|swagger-ui-dist|react|react-dom)$/;

    assert.deepEqual(
      names(trees["gatehouse-auth-core"]).filter((name) => webOrDatabaseOrUi.test(name)),
      [],
    );
    assert.deepEqual(
      names(trees["gatehouse-auth-guard + express"]).filter(
        (name) =>
          name === "gatehouse-auth" || /^(hono|fastify|pg|redoc|swagger-ui-dist|react)$/.test(name),
      ),
      [],
    );
    assert.deepEqual(
      names(trees["gatehouse-auth"]).filter((name) =>
        /^(redoc|react|react-dom|mobx|core-js)$/.test(name),
      ),
      [],
    );
  });
});
