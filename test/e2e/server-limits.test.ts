// Limits a real socket meets: header size, slow clients, forwarded addresses, and shutdown.
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { connect } from "node:net";
import { describe, it } from "node:test";
import type { RunningServer } from "gatehouse-auth/server/start-server";
import { startServer } from "gatehouse-auth/server/start-server";
import { loadSettings } from "gatehouse-auth/service/config";
import type { PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import { createFastHasher } from "../fixtures/fast-hasher.ts";

async function start(
  env: Record<string, string> = {},
  hasher: PasswordHasher = createFastHasher(),
): Promise<RunningServer> {
  const settings = loadSettings({
    HOST: "127.0.0.1",
    PORT: "0",
    GATEHOUSE_DATABASE_URL: ":memory:",
    GATEHOUSE_DEMO: "true",
    GATEHOUSE_LOG_LEVEL: "silent",
    ...env,
  });
  return startServer(settings, { compose: { hasher } });
}

/** What a raw client saw: the bytes answered, whether the server closed, and when. */
interface Exchange {
  readonly response: string;
  readonly elapsedMs: number;
}

/**
 * Opens a raw connection, writes `head` at once, then each of `drip` every `everyMs` until the
 * server closes the connection (bounded by the length of `drip`).
 */
function rawExchange(
  port: number,
  head: string,
  drip: readonly string[] = [],
  everyMs = 100,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    let response = "";
    let next = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on("data", (chunk: Buffer) => {
      response += chunk.toString("latin1");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ response, elapsedMs: performance.now() - started });
    });
    socket.on("connect", () => {
      socket.write(head);
      if (drip.length === 0) return;
      timer = setInterval(() => {
        const chunk = drip[next++];
        if (chunk === undefined) {
          clearInterval(timer);
          socket.destroy();
          reject(new Error(`server kept a slow client past ${drip.length} writes`));
          return;
        }
        if (!socket.destroyed) socket.write(chunk);
      }, everyMs);
    });
  });
}

function login(
  port: number,
  form: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: form,
  });
}

describe("limits on a real socket", { timeout: 30_000 }, () => {
  it("answers 431 to a request head over GATEHOUSE_MAX_HEADER_BYTES", async () => {
    const server = await start({ GATEHOUSE_MAX_HEADER_BYTES: "4096" });

    const { response } = await rawExchange(
      server.port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${"a".repeat(8192)}\r\n\r\n`,
    );

    await server.close();
    assert.match(response, /^HTTP\/1\.1 431 /);
  });

  it("answers an overlong Authorization header with 431, and a long one under the cap with 401", async () => {
    const server = await start({ GATEHOUSE_MAX_HEADER_BYTES: "8192" });
    const url = `http://127.0.0.1:${server.port}/users/me/`;

    const tooLong = await rawExchange(
      server.port,
      `GET /users/me/ HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${"a".repeat(10_000)}\r\n\r\n`,
    );
    const long = await fetch(url, { headers: { authorization: `Bearer ${"a".repeat(6000)}` } });

    await server.close();
    assert.match(tooLong.response, /^HTTP\/1\.1 431 /);
    assert.equal(long.status, 401);
  });

  it("answers 408 and closes when a client sends its headers too slowly", async () => {
    const server = await start({
      GATEHOUSE_HEADERS_TIMEOUT_MS: "300",
      GATEHOUSE_REQUEST_TIMEOUT_MS: "600",
    });

    const exchange = await rawExchange(
      server.port,
      "GET /healthz HTTP/1.1\r\nHost: x\r\n",
      Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: a\r\n`),
    );

    await server.close();
    assert.match(exchange.response, /^HTTP\/1\.1 408 /);
    assert.ok(exchange.elapsedMs < 8000, `closed after ${exchange.elapsedMs} ms`);
  });

  it("answers 408 and closes when a client sends its body too slowly", async () => {
    const server = await start({
      GATEHOUSE_HEADERS_TIMEOUT_MS: "300",
      GATEHOUSE_REQUEST_TIMEOUT_MS: "600",
    });

    const exchange = await rawExchange(
      server.port,
      "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n",
      Array.from({ length: 100 }, () => "a"),
    );

    await server.close();
    assert.match(exchange.response, /^HTTP\/1\.1 408 /);
    assert.ok(exchange.elapsedMs < 8000, `closed after ${exchange.elapsedMs} ms`);
  });
});

describe("client addresses behind proxies", { timeout: 30_000 }, () => {
  const throttle = { GATEHOUSE_THROTTLE_ADDRESS_FREE_FAILURES: "2" };

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const server = await start(throttle);

    await login(server.port, "username=a&password=wrong", { "x-forwarded-for": "192.0.2.1" });
    await login(server.port, "username=b&password=wrong", { "x-forwarded-for": "192.0.2.2" });
    const third = await login(server.port, "username=johndoe&password=secret", {
      "x-forwarded-for": "192.0.2.3",
    });

    await server.close();
    assert.equal(third.status, 429);
  });

  it("counts each forwarded client apart behind a trusted proxy", async () => {
    const server = await start({ ...throttle, GATEHOUSE_TRUSTED_PROXIES: "127.0.0.1, ::1" });

    await login(server.port, "username=a&password=wrong", { "x-forwarded-for": "192.0.2.1" });
    await login(server.port, "username=b&password=wrong", { "x-forwarded-for": "192.0.2.1" });
    const locked = await login(server.port, "username=johndoe&password=secret", {
      "x-forwarded-for": "192.0.2.1",
    });
    const other = await login(server.port, "username=johndoe&password=secret", {
      "x-forwarded-for": "192.0.2.2",
    });

    await server.close();
    assert.equal(locked.status, 429);
    assert.equal(other.status, 200);
  });
});

/** A hasher whose `verify` waits until `release()`; `started` resolves once one is waiting. */
function gatedHasher(): PasswordHasher & { started: Promise<void>; release(): void } {
  const inner = createFastHasher();
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let markStarted = (): void => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  return {
    hash: (password) => inner.hash(password),
    dummyHash: () => inner.dummyHash(),
    close: () => inner.close(),
    async verify(hash, password) {
      markStarted();
      await gate;
      return inner.verify(hash, password);
    },
    started,
    release: () => release(),
  };
}

describe("graceful shutdown", { timeout: 30_000 }, () => {
  it("finishes a request in flight, refusing new connections meanwhile", async () => {
    const hasher = gatedHasher();
    const server = await start({ GATEHOUSE_SHUTDOWN_TIMEOUT_MS: "60000" }, hasher);
    const inFlight = login(server.port, "username=johndoe&password=secret");
    await hasher.started;

    const closed = server.close();
    const refused = await fetch(`http://127.0.0.1:${server.port}/healthz`).then(
      () => false,
      () => true,
    );
    const released = performance.now();
    hasher.release();
    const response = await inFlight;
    await closed;
    // Its keep-alive connection is closed once the answer is out, not left to time out.
    const closeMs = performance.now() - released;

    assert.equal(refused, true);
    assert.ok(closeMs < 2000, `close took ${closeMs} ms after the answer`);
    assert.equal(response.status, 200);
    assert.equal(
      typeof ((await response.json()) as { access_token: unknown }).access_token,
      "string",
    );
  });

  it("cuts a request still running at GATEHOUSE_SHUTDOWN_TIMEOUT_MS instead of hanging", async () => {
    const hasher = gatedHasher();
    const server = await start({ GATEHOUSE_SHUTDOWN_TIMEOUT_MS: "200" }, hasher);
    const inFlight = login(server.port, "username=johndoe&password=secret").then(
      () => "answered",
      () => "cut",
    );
    await hasher.started;

    await server.close();
    const outcome = await inFlight;
    hasher.release();

    assert.equal(outcome, "cut");
  });

  it("closes idle keep-alive connections at once rather than waiting for the timeout", async () => {
    const server = await start({ GATEHOUSE_SHUTDOWN_TIMEOUT_MS: "60000" });
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request({ port: server.port, host: "127.0.0.1", path: "/healthz", agent }, (res) => {
        res.resume();
        res.on("end", resolve);
      })
        .on("error", reject)
        .end();
    });

    const started = performance.now();
    await server.close();
    const elapsed = performance.now() - started;

    agent.destroy();
    assert.ok(elapsed < 2000, `close took ${elapsed} ms`);
  });
});
