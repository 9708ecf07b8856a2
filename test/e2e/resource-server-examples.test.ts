// Each example under examples/ runs as its own process against a live Gatehouse (EdDSA, demo data).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RunningServer, startServer } from "gatehouse-auth/server/start-server";
import { loadSettings } from "gatehouse-auth/service/config";
import { silentLogger } from "gatehouse-auth/telemetry/logger";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { generateSigningKey, toTokenKey } from "gatehouse-auth-core/keys/key-material";
import { createScopeCatalogue, seedScopeDescriptions } from "gatehouse-auth-core/scopes";
import { createTokenService } from "gatehouse-auth-core/tokens/tokens";

const issuer = "http://gatehouse.test";
const resourceUrl = "https://api.example.test";
const metadataUrl = `${resourceUrl}/.well-known/oauth-protected-resource`;

interface Example {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the example wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once the example's output matches `pattern` (its pipes may lag its answers). */
  printed(pattern: RegExp): Promise<void>;
}

async function startExample(name: string, gatehouseUrl: string): Promise<Example> {
  const entry = new URL(`../../examples/${name}/server.ts`, import.meta.url).pathname;
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      GATEHOUSE_URL: gatehouseUrl,
      GATEHOUSE_ISSUER: issuer,
      PORT: "0",
      RESOURCE_URL: resourceUrl,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${name} example exited with ${code}: ${out}`)));
  });
  const printed = (pattern: RegExp): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (!pattern.test(out)) return;
        child.stdout.off("data", check);
        child.stderr.off("data", check);
        resolve();
      };
      child.stdout.on("data", check);
      child.stderr.on("data", check);
      check();
    });
  return { url, process: child, output: () => out, printed };
}

async function stopExample(example: Example): Promise<void> {
  if (example.process.exitCode !== null) return;
  const exited = once(example.process, "exit");
  example.process.kill("SIGTERM");
  await exited;
}

describe("the resource-server examples against a live Gatehouse", () => {
  let dir: string;
  let gatehouse: RunningServer;
  let gatehouseUrl: string;
  const token = async (scope: string): Promise<string> => {
    const response = await fetch(`${gatehouseUrl}/token`, {
      method: "POST",
      body: new URLSearchParams({ username: "johndoe", password: "secret", scope }),
    });
    assert.equal(response.status, 200);
    return ((await response.json()) as { access_token: string }).access_token;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-examples-"));
    const settings = loadSettings({
      HOST: "127.0.0.1",
      PORT: "0",
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, "gatehouse.db")}`,
      GATEHOUSE_DEMO: "true",
      GATEHOUSE_SIGNING_ALGORITHM: "EdDSA",
      GATEHOUSE_ISSUER: issuer,
      GATEHOUSE_HASH_WORKERS: "1",
      GATEHOUSE_LOG_LEVEL: "silent",
    });
    gatehouse = await startServer(settings, { logger: silentLogger });
    gatehouseUrl = `http://127.0.0.1:${gatehouse.port}`;
  });
  after(async () => {
    await gatehouse.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const name of ["hono", "fastify", "express"]) {
    describe(`examples/${name}`, () => {
      let example: Example;
      before(async () => {
        example = await startExample(name, gatehouseUrl);
      });
      after(() => stopExample(example));

      const get = (authorization?: string): Promise<Response> =>
        fetch(
          `${example.url}/items`,
          authorization === undefined ? {} : { headers: { authorization } },
        );

      it("answers 401 without a token, pointing to its resource metadata (RFC 9728 §5.1)", async () => {
        const response = await get();

        assert.equal(response.status, 401);
        assert.equal(
          response.headers.get("www-authenticate"),
          `Bearer resource_metadata="${metadataUrl}"`,
        );
      });

      it("serves its resource metadata naming the Gatehouse issuer", async () => {
        const response = await fetch(`${example.url}/.well-known/oauth-protected-resource`);

        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), {
          resource: resourceUrl,
          authorization_servers: [issuer],
          bearer_methods_supported: ["header"],
          scopes_supported: ["items"],
        });
      });

      it("answers 403 to a Gatehouse token without the items scope", async () => {
        const response = await get(`Bearer ${await token("me")}`);

        assert.equal(response.status, 403);
        assert.equal(
          response.headers.get("www-authenticate"),
          `Bearer error="insufficient_scope", error_description="the token lacks a required scope", scope="items", resource_metadata="${metadataUrl}"`,
        );
      });

      it("answers 200 with the subject to a Gatehouse token with the items scope", async () => {
        const response = await get(`Bearer ${await token("me items")}`);

        assert.equal(response.status, 200);
        assert.deepEqual(await response.json(), { owner: "johndoe", scopes: ["me", "items"] });
      });

      // Bounded: a hook that never logs fails the test rather than hanging it.
      it("answers 401 to a token signed by a key Gatehouse does not publish", {
        timeout: 20_000,
      }, async () => {
        const stranger = toTokenKey(generateSigningKey("EdDSA", Date.now()));
        const forged = createTokenService({
          key: stranger,
          scopes: createScopeCatalogue(seedScopeDescriptions),
          clock: createFixedClock(Date.now()),
          issuer,
        }).issue("johndoe", createScopeCatalogue(seedScopeDescriptions).all).token;

        const response = await get(`Bearer ${forged}`);

        assert.equal(response.status, 401);
        assert.equal(
          response.headers.get("www-authenticate"),
          `Bearer error="invalid_token", error_description="token names no signing key this verifier accepts", scope="items", resource_metadata="${metadataUrl}"`,
        );
        // The example's onRefused hook logs the failed check, never the token.
        await example.printed(
          /token refused: token_invalid: token names no signing key this verifier accepts/,
        );
        assert.equal(example.output().includes(forged), false);
      });
    });
  }
});
