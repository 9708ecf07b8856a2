// The guard's subscription to Gatehouse's security events, end to end against an in-process
// Gatehouse over a fake change feed: revocations refused, catch-up, restarts, fail-closed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import express from "express";
import Fastify from "fastify";
import type { ChangeEvent } from "gatehouse-auth-core/changes/change-feed";
import { createSecurityEventSigner } from "gatehouse-auth-core/changes/security-event-token";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { generateSigningKey, toTokenKey } from "gatehouse-auth-core/keys/key-material";
import { staticKeySet } from "gatehouse-auth-core/keys/token-keys";
import type { RemoteVerifier, RevocationOptions } from "gatehouse-auth-guard";
import { createRemoteVerifier } from "gatehouse-auth-guard";
import { createExpressGuard } from "gatehouse-auth-guard/express";
import { createFastifyGuard } from "gatehouse-auth-guard/fastify";
import { type GatehouseEnv, requireGatehouseToken } from "gatehouse-auth-guard/hono";
import { Hono } from "hono";
import { bearerRequest } from "../fixtures/bearer-request.ts";
import type { EventSource } from "../fixtures/event-source.ts";
import { sourceIssuer, startEventSource, streamClient } from "../fixtures/event-source.ts";

const jwksUrl = `${sourceIssuer}/.well-known/jwks.json`;

/** Waits, in short steps, until `condition` holds; fails after `timeoutMs`. */
async function eventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const stop = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > stop) throw new Error("the condition never held");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("the guard's revocation subscription", () => {
  let source: EventSource;
  let verifiers: RemoteVerifier[] = [];

  const subscribe = (revocations: Partial<RevocationOptions> = {}): RemoteVerifier => {
    const verifier = createRemoteVerifier({
      jwksUrl,
      issuer: sourceIssuer,
      clock: source.t.clock,
      fetch: (url, init) => source.fetch(url, init),
      revocations: { ...streamClient, minBackoffMs: 10, maxBackoffMs: 40, ...revocations },
    });
    verifiers.push(verifier);
    return verifier;
  };
  const caughtUp = async (verifier: RemoteVerifier): Promise<void> => {
    const latest = await source.feed.latestSequence();
    await verifier.revocations?.caughtUpTo(latest);
  };
  const refusal = (verifier: RemoteVerifier, token: string) =>
    verifier.verify(token).then(
      () => "accepted",
      (error: { code?: string }) => error.code ?? "thrown",
    );

  beforeEach(async () => {
    source = await startEventSource();
    await source.t.store.users.updateUser("johndoe", { disabled: false });
    source.t.clock.advance(1000);
  });
  afterEach(async () => {
    await Promise.all(verifiers.map((verifier) => verifier.revocations?.close()));
    verifiers = [];
    await source.t.close();
  });

  it("refuses a token whose jti was revoked, and keeps accepting others", async () => {
    const verifier = subscribe();
    const revoked = await source.t.login("johndoe", "secret");
    const kept = await source.t.login("johndoe", "secret");
    const claims = source.t.tokens.verify(revoked);

    source.feed.append({
      kind: "access_token_revoked",
      tokenId: claims.tokenId,
      expiresAt: claims.expiresAt * 1000,
    });
    await caughtUp(verifier);

    assert.equal(await refusal(verifier, revoked), "token_invalid");
    assert.equal(await refusal(verifier, kept), "accepted");
  });

  it("refuses tokens issued before logout-all at Gatehouse, and accepts one issued after", async () => {
    const verifier = subscribe();
    const before = await source.t.login("johndoe", "secret");
    source.t.clock.advance(10);

    const answer = await bearerRequest(source.t.app, "POST", "/users/me/logout-all", before);
    source.t.clock.advance(10);
    const afterwards = await source.t.login("johndoe", "secret");
    await caughtUp(verifier);

    assert.equal(answer.status, 204);
    assert.equal(await refusal(verifier, before), "token_invalid");
    assert.equal(await refusal(verifier, afterwards), "accepted");
  });

  it("refuses every token of a user disabled at Gatehouse as an inactive user", async () => {
    const verifier = subscribe();
    const token = await source.t.login("johndoe", "secret");

    await source.t.store.users.updateUser("johndoe", { disabled: true });
    await caughtUp(verifier);

    assert.equal(await refusal(verifier, token), "inactive_user");
  });

  it("refuses every token of a user deleted at Gatehouse", async () => {
    const verifier = subscribe();
    const token = await source.t.login("johndoe", "secret");

    await source.t.store.users.deleteUser("johndoe");
    await caughtUp(verifier);

    assert.equal(await refusal(verifier, token), "token_invalid");
  });

  it("applies events written before it started (a token issued, then revoked, then the guard)", async () => {
    const token = await source.t.login("johndoe", "secret");
    source.t.clock.advance(10);
    await source.t.store.users.updateUser("johndoe", { tokensValidAfter: source.t.clock.now() });
    source.t.clock.advance(60_000);

    const verifier = subscribe();
    await caughtUp(verifier);

    assert.equal(await refusal(verifier, token), "token_invalid");
  });

  it("catches up with events written while it was cut off", async () => {
    const verifier = subscribe();
    const token = await source.t.login("johndoe", "secret");
    await caughtUp(verifier);

    source.stop();
    await eventually(() => verifier.revocations?.state().connected === false);
    await source.t.store.users.deleteUser("johndoe");
    source.start();
    await caughtUp(verifier);

    assert.equal(await refusal(verifier, token), "token_invalid");
  });

  it("resumes from its last sequence after Gatehouse restarts, without reading the feed again", async () => {
    const verifier = subscribe();
    for (const name of ["a", "b", "c"])
      source.feed.append({ kind: "user_deleted", username: name });
    await caughtUp(verifier);
    const token = await source.t.login("johndoe", "secret");

    source.stop();
    await eventually(() => verifier.revocations?.state().connected === false);
    source.start();
    await source.t.store.users.updateUser("johndoe", { disabled: true });
    await caughtUp(verifier);

    // Event 1 is the set-up's; a, b and c are 2 to 4; the disable is 5.
    assert.equal(verifier.revocations?.state().lastSequence, 5);
    assert.equal(await refusal(verifier, token), "inactive_user");
  });

  it("refuses tokens older than a gap it was told of, after retention dropped what it missed", async () => {
    const verifier = subscribe();
    const token = await source.t.login("johndoe", "secret");
    await caughtUp(verifier);

    source.stop();
    await eventually(() => verifier.revocations?.state().connected === false);
    source.t.clock.advance(1000);
    source.feed.append({ kind: "user_deleted", username: "missed" });
    source.feed.append({ kind: "user_deleted", username: "kept" });
    // The guard had read event 1; retention drops "missed" (2) before it is back.
    source.feed.prune(2);
    source.start();
    await caughtUp(verifier);
    source.t.clock.advance(1000);
    const fresh = await source.t.login("johndoe", "secret");

    assert.equal(await refusal(verifier, token), "token_invalid");
    assert.equal(await refusal(verifier, fresh), "accepted");
  });

  it("refuses every older token when Gatehouse comes back with a replaced feed", async () => {
    const verifier = subscribe();
    source.feed.append({ kind: "user_deleted", username: "a" });
    source.feed.append({ kind: "user_deleted", username: "b" });
    await caughtUp(verifier);
    const token = await source.t.login("johndoe", "secret");

    source.stop();
    await eventually(() => verifier.revocations?.state().connected === false);
    source.feed.replace();
    source.t.clock.advance(1000);
    source.feed.append({ kind: "user_deleted", username: "c" });
    source.start();
    await caughtUp(verifier);

    assert.equal(await refusal(verifier, token), "token_invalid");
    assert.equal(verifier.revocations?.state().lastSequence, 1);
  });

  it("never misses a cut-off written while it is starting (60 trials)", async () => {
    const misses: number[] = [];
    for (let trial = 0; trial < 60; trial += 1) {
      const token = await source.t.login("johndoe", "secret");
      source.t.clock.advance(5);
      const verifier = subscribe();
      // The cut-off lands anywhere from before the first request of the guard to after it.
      await new Promise((resolve) => setTimeout(resolve, trial % 6));
      await source.t.store.users.updateUser("johndoe", { tokensValidAfter: source.t.clock.now() });
      await caughtUp(verifier);
      if ((await refusal(verifier, token)) !== "token_invalid") misses.push(trial);
      await verifier.revocations?.close();
      source.t.clock.advance(5);
    }

    assert.deepEqual(misses, []);
  });

  it("reads the JWKS again when a signing key changed, so a removed key stops verifying", async () => {
    let jwksReads = 0;
    const verifier = createRemoteVerifier({
      jwksUrl,
      issuer: sourceIssuer,
      clock: source.t.clock,
      fetch: (url, init) => {
        if (url.pathname === "/.well-known/jwks.json") jwksReads += 1;
        return source.fetch(url, init);
      },
      revocations: { ...streamClient, minBackoffMs: 10 },
    });
    verifiers.push(verifier);
    await caughtUp(verifier);
    const before = jwksReads;

    source.feed.append({ kind: "signing_key_changed", keyId: "retired-key" });
    await caughtUp(verifier);
    await eventually(() => jwksReads > before);

    assert.equal(jwksReads, before + 1);
  });

  it("says in its state whether it is connected, where it is, and since when it is current", async () => {
    const verifier = subscribe();
    source.feed.append({ kind: "user_deleted", username: "a" });
    await caughtUp(verifier);

    const state = verifier.revocations?.state();

    assert.equal(state?.connected, true);
    assert.equal(state?.lastSequence, 2);
    assert.equal(state?.cutOffForMs, 0);
    assert.equal(state?.failingClosed, false);
    // johndoe (the set-up's event) and a.
    assert.equal(state?.subjects, 2);
    assert.equal(typeof state?.lagMs, "number");
  });

  it("fails closed with 503 once cut off longer than it accepts, and recovers on reconnect", async () => {
    const verifier = subscribe({ failClosedAfterMs: 30_000 });
    const token = await source.t.login("johndoe", "secret");
    await caughtUp(verifier);

    source.stop();
    await eventually(() => verifier.revocations?.state().connected === false);
    source.t.clock.advance(29_000);
    const within = await refusal(verifier, token);
    source.t.clock.advance(2000);
    const beyond = await refusal(verifier, token);
    source.start();
    await caughtUp(verifier);
    const recovered = await refusal(verifier, token);

    assert.deepEqual(
      [within, beyond, recovered],
      ["accepted", "revocations_unavailable", "accepted"],
    );
  });

  it("fails closed at start until it has caught up, once the configured time has passed", async () => {
    const token = await source.t.login("johndoe", "secret");
    const verifier = createRemoteVerifier({
      jwksUrl,
      issuer: sourceIssuer,
      clock: source.t.clock,
      // The keys can be read, the stream cannot.
      fetch: (url, init) =>
        url.pathname === "/security-events"
          ? Promise.reject(new TypeError("fetch failed"))
          : source.fetch(url, init),
      revocations: { ...streamClient, minBackoffMs: 10, failClosedAfterMs: 1000 },
    });
    verifiers.push(verifier);

    const within = await refusal(verifier, token);
    source.t.clock.advance(1001);
    const beyond = await refusal(verifier, token);

    assert.deepEqual([within, beyond], ["accepted", "revocations_unavailable"]);
  });

  it("without failClosedAfterMs keeps answering from what it knows while cut off", async () => {
    const verifier = subscribe();
    const token = await source.t.login("johndoe", "secret");
    await caughtUp(verifier);

    source.stop();
    source.t.clock.advance(3_600_000);

    assert.equal(await refusal(verifier, token), "token_expired");
    source.t.clock.advance(-3_600_000 + 60_000);
    assert.equal(await refusal(verifier, token), "accepted");
  });

  it("waits longer between attempts while the stream keeps refusing it", async () => {
    const verifier = subscribe({ clientSecret: "wrong", minBackoffMs: 20, maxBackoffMs: 10_000 });

    await new Promise((resolve) => setTimeout(resolve, 400));
    const state = verifier.revocations?.state();

    // 10–20, 20–40, 40–80, 80–160, 160–320 ms: at most six attempts in 400 ms, fewer than 20
    // at a fixed 20 ms.
    assert.ok(source.connections() <= 6, `${source.connections()} attempts`);
    assert.ok(source.connections() >= 3, `${source.connections()} attempts`);
    assert.equal(state?.connected, false);
    // 401 for the wrong secret; 429 once the client's failures reach Gatehouse's throttle, which
    // a sixth attempt within the 400 ms can.
    assert.match(state?.lastError ?? "", /401|429/);
  });

  it("does not apply a SET signed by another key, nor move past it", async () => {
    const stranger = toTokenKey(generateSigningKey("EdDSA", source.t.clock.now()));
    const forger = createSecurityEventSigner({
      keys: staticKeySet(stranger),
      issuer: sourceIssuer,
      clock: source.t.clock,
    });
    const token = await source.t.login("johndoe", "secret");
    const forged: ChangeEvent = { kind: "user_deleted", sequence: 1, at: 0, username: "johndoe" };
    const errors: string[] = [];
    const verifier = createRemoteVerifier({
      jwksUrl,
      issuer: sourceIssuer,
      clock: source.t.clock,
      fetch: async (url, init) =>
        url.pathname === "/security-events"
          ? new Response(
              `id: 1\nevent: set\ndata: ${forger.sign(forged, streamClient.clientId)}\n\n`,
              {
                headers: { "content-type": "text/event-stream" },
              },
            )
          : source.fetch(url, init),
      revocations: { ...streamClient, minBackoffMs: 10, onError: (reason) => errors.push(reason) },
    });
    verifiers.push(verifier);

    await eventually(() => errors.length >= 2);

    assert.equal(verifier.revocations?.state().lastSequence, 0);
    assert.match(errors[0] ?? "", /unknown key|signature/);
    assert.equal(await refusal(verifier, token), "accepted");
  });

  it("ignores a repeated event, so a state never moves backwards", async () => {
    let replay = false;
    const verifier = createRemoteVerifier({
      jwksUrl,
      issuer: sourceIssuer,
      clock: source.t.clock,
      // Once `replay` is on, the stream is served from its start whatever the guard asks for.
      fetch: (url, init) => {
        const headers = { ...(init.headers as Record<string, string>) };
        if (replay) delete headers["last-event-id"];
        return source.fetch(url, { ...init, headers });
      },
      revocations: { ...streamClient, minBackoffMs: 10 },
    });
    verifiers.push(verifier);
    const token = await source.t.login("johndoe", "secret");
    await source.t.store.users.updateUser("johndoe", { disabled: true });
    await caughtUp(verifier);

    replay = true;
    source.stop();
    await eventually(() => verifier.revocations?.state().connected === false);
    source.start();
    await caughtUp(verifier);

    // Event 1 (enabled, from the set-up) came again after event 2 (disabled): not applied.
    assert.equal(await refusal(verifier, token), "inactive_user");
  });
});

describe("the guard's subscription in each framework", () => {
  let source: EventSource;
  let verifier: RemoteVerifier;
  let revoked = "";
  let good = "";
  let expressUrl = "";
  const clock = createFixedClock(0);
  const closing: (() => Promise<void>)[] = [];

  before(async () => {
    source = await startEventSource();
    clock.advance(source.t.clock.now());
    verifier = createRemoteVerifier({
      jwksUrl,
      issuer: sourceIssuer,
      clock,
      fetch: (url, init) => source.fetch(url, init),
      revocations: { ...streamClient, minBackoffMs: 10, failClosedAfterMs: 60_000 },
    });
    revoked = await source.t.login("johndoe", "secret");
    source.t.clock.advance(10);
    good = await source.t.login("johndoe", "secret");
    const claims = source.t.tokens.verify(revoked);
    source.feed.append({
      kind: "access_token_revoked",
      tokenId: claims.tokenId,
      expiresAt: claims.expiresAt * 1000,
    });
    await verifier.revocations?.caughtUpTo(await source.feed.latestSequence());
  });
  after(async () => {
    await verifier.revocations?.close();
    for (const close of closing) await close();
    await source.t.close();
  });

  const hono = new Hono<GatehouseEnv>();
  hono.get(
    "/items",
    (c, next) => requireGatehouseToken(verifier, ["items"])(c, next),
    (c) => c.json({ owner: c.var.gatehouse.subject }),
  );

  function describeFramework(
    name: string,
    request: (authorization: string) => Promise<{ status: number; headers: Headers }>,
  ): void {
    describe(name, () => {
      it("answers 401 invalid_token, saying why, to a revoked token", async () => {
        const answer = await request(`Bearer ${revoked}`);

        assert.equal(answer.status, 401);
        assert.equal(
          answer.headers.get("www-authenticate"),
          'Bearer error="invalid_token", error_description="token has been revoked", scope="items"',
        );
      });

      it("lets a token that was not revoked through", async () => {
        const answer = await request(`Bearer ${good}`);

        assert.equal(answer.status, 200);
      });

      it("answers 503 with Retry-After while failing closed", async () => {
        source.stop();
        await eventually(() => verifier.revocations?.state().connected === false);
        clock.advance(60_001);

        const answer = await request(`Bearer ${good}`);
        clock.advance(-60_001);
        source.start();
        await verifier.revocations?.caughtUpTo(await source.feed.latestSequence());

        assert.equal(answer.status, 503);
        assert.equal(answer.headers.get("retry-after"), "5");
      });
    });
  }

  describeFramework("Hono", async (authorization) => {
    const response = await hono.request("/items", { headers: { authorization } });
    return { status: response.status, headers: response.headers };
  });

  describeFramework("Fastify", async (authorization) => {
    const app = Fastify();
    const guard = createFastifyGuard(verifier);
    app.get("/items", { preHandler: guard.require(["items"]) }, async () => ({}));
    const response = await app.inject({ method: "GET", url: "/items", headers: { authorization } });
    await app.close();
    const headers = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (typeof value === "string") headers.set(key, value);
    }
    return { status: response.statusCode, headers };
  });

  describeFramework("Express", async (authorization) => {
    if (expressUrl === "") {
      const app = express();
      const guard = createExpressGuard(verifier);
      app.get("/items", guard.require(["items"]), (_request, response) => {
        response.json({});
      });
      const server = app.listen(0, "127.0.0.1");
      await new Promise<void>((resolve) => server.once("listening", () => resolve()));
      expressUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      closing.push(() => new Promise((resolve) => server.close(() => resolve())));
    }
    const response = await fetch(`${expressUrl}/items`, { headers: { authorization } });
    await response.body?.cancel();
    return { status: response.status, headers: response.headers };
  });
});

describe("shutting a subscription down", () => {
  it("leaves nothing that keeps the process alive once closed", async () => {
    // A child process subscribes to a stream that never ends, closes the subscription, and
    // must then exit on its own: no timer, socket or fetch left behind.
    const script = `
      import { createServer } from "node:http";
      import { createRemoteVerifier } from "gatehouse-auth-guard";
      const server = createServer((request, response) => {
        if (request.url.startsWith("/security-events")) {
          response.writeHead(200, { "content-type": "text/event-stream" });
          response.write(": current\\n\\n");
          return;
        }
        response.writeHead(200, { "content-type": "application/json" });
        response.end('{"keys":[]}');
      });
      await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
      const base = "http://127.0.0.1:" + server.address().port;
      const verifier = createRemoteVerifier({
        jwksUrl: base + "/.well-known/jwks.json",
        issuer: base,
        revocations: { clientId: "rs", clientSecret: "s" },
      });
      await verifier.revocations.caughtUpTo(0);
      await verifier.revocations.close();
      server.close();
      server.closeAllConnections();
      console.log("closed");
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, NODE_OPTIONS: "--conditions=gatehouse-source" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });

    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve(null);
      }, 10_000);
      child.on("exit", (exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });

    assert.equal(code, 0, output);
    assert.match(output, /closed/);
  });
});
