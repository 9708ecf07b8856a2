import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import {
  type PublishedEvent,
  readSecurityEventToken,
} from "gatehouse-auth-core/changes/security-event-token";
import type { KeyPair } from "gatehouse-auth-core/keys/token-keys";
import type { FakeChangeFeed } from "../../../../../test/fixtures/change-feed.ts";
import { createFakeChangeFeed } from "../../../../../test/fixtures/change-feed.ts";
import { openEventStream, securityEvents } from "../../../../../test/fixtures/event-stream.ts";
import type { TestApp } from "../../../../../test/fixtures/test-app.ts";
import { makeTestApp } from "../../../../../test/fixtures/test-app.ts";
import type { TestClients } from "../../../../../test/fixtures/test-clients.ts";
import { createTestClients } from "../../../../../test/fixtures/test-clients.ts";
import { createApp } from "../app.ts";
import type { OpenApiApp } from "../openapi.ts";

const issuer = "https://gatehouse.test";
const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const reader = basic("resource-server", "rs-secret");

describe("GET /security-events", () => {
  let t: TestApp;
  let app: OpenApiApp;
  let feed: FakeChangeFeed;
  let clients: TestClients;

  before(async () => {
    clients = createTestClients();
    let captured: FakeChangeFeed | undefined;
    t = await makeTestApp({
      signingAlgorithm: "EdDSA",
      issuer,
      clients,
      services: (services) => {
        captured = createFakeChangeFeed(services.clock);
        return { ...services, changes: captured };
      },
    });
    app = t.app;
    if (captured === undefined) throw new Error("no feed");
    feed = captured;
  });
  beforeEach(() => {
    feed.replace();
    clients.add({ clientId: "resource-server", secret: "rs-secret", scopes: ["events:read"] });
    clients.add({ clientId: "other", secret: "other-secret", scopes: ["introspect"] });
    clients.add({ clientId: "spa" });
  });
  after(() => t.close());

  const open = (headers: Record<string, string> = {}, query = ""): Promise<Response> =>
    Promise.resolve(
      app.request(`/security-events${query}`, { headers: { authorization: reader, ...headers } }),
    );

  /** Verifies each SET with the keys the JWKS publishes, as a resource server would. */
  async function verified(data: readonly string[], audience = "resource-server") {
    const jwks = (await (await app.request("/.well-known/jwks.json")).json()) as {
      keys: { kid: string; kty: string; crv: string; x: string }[];
    };
    const published = new Map<string, KeyPair>();
    for (const { kid, ...jwk } of jwks.keys) {
      const publicKey = createPublicKey({ key: jwk, format: "jwk" })
        .export({ type: "spki", format: "pem" })
        .toString();
      published.set(kid, { kid, algorithm: "EdDSA", publicKey, privateKey: undefined });
    }
    const keys = { find: (kid: string) => published.get(kid) };
    return data.map((token) => readSecurityEventToken(token, { keys, issuer, audience }));
  }

  async function readSets(response: Response, count: number): Promise<string[]> {
    const stream = openEventStream(response);
    try {
      const items = await stream.readUntil((seen) => securityEvents(seen).length >= count);
      return securityEvents(items).map((event) => event.data);
    } finally {
      await stream.close();
    }
  }

  describe("who may read it", () => {
    it("answers 401 invalid_client without client credentials", async () => {
      const response = await app.request("/security-events");

      assert.equal(response.status, 401);
      assert.equal(((await response.json()) as { error: string }).error, "invalid_client");
    });

    it("answers 401 with a Basic challenge for a wrong secret", async () => {
      const response = await open({ authorization: basic("resource-server", "wrong") });

      assert.equal(response.status, 401);
      assert.match(response.headers.get("www-authenticate") ?? "", /^Basic/);
    });

    it("refuses a public client, which has no secret to prove who it is", async () => {
      const response = await open({ authorization: basic("spa", "") });

      assert.equal(response.status, 401);
    });

    it("refuses a bearer token: only client credentials read the stream", async () => {
      const token = await t.login("johndoe", "secret");

      const response = await open({ authorization: `Bearer ${token}` });

      assert.equal(response.status, 401);
    });

    it("answers 400 unauthorized_client to a client not allowed events:read", async () => {
      const response = await open({ authorization: basic("other", "other-secret") });

      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: string }).error, "unauthorized_client");
    });

    it("refuses a disabled client", async () => {
      clients.change("resource-server", { disabled: true });

      const response = await open();

      assert.equal(response.status, 401);
    });

    it("ends an open stream once its client is disabled", async () => {
      const response = await open();
      const stream = openEventStream(response);
      await stream.readUntil((items) => items.some((item) => item.kind === "comment"));

      clients.change("resource-server", { disabled: true });
      feed.append({ kind: "client_changed", clientId: "resource-server" });
      const items = await stream.readToEnd();

      assert.equal(securityEvents(items).length, 0);
    });

    it("ends an open stream within 30 s of its client being disabled, even with no event of it", async () => {
      const response = await open();
      const stream = openEventStream(response);
      await stream.readUntil((items) => items.some((item) => item.kind === "comment"));

      clients.change("resource-server", { disabled: true });
      t.clock.advance(30_000);
      feed.append({ kind: "user_deleted", username: "someone" });
      const items = await stream.readToEnd();

      assert.equal(securityEvents(items).length, 0);
    });

    it("ends an open stream once its client loses events:read", async () => {
      const response = await open();
      const stream = openEventStream(response);
      await stream.readUntil((items) => items.some((item) => item.kind === "comment"));

      clients.change("resource-server", { scopes: [] });
      feed.append({ kind: "client_changed", clientId: "resource-server" });
      const items = await stream.readToEnd();

      assert.equal(securityEvents(items).length, 0);
    });
  });

  describe("shutdown", () => {
    it("ends open streams once the server drains, so it can close", async () => {
      let draining = false;
      const drainable = createApp({ ...t.services, changes: feed }, { draining: () => draining });
      const response = await drainable.request("/security-events", {
        headers: { authorization: reader },
      });
      const stream = openEventStream(response);
      await stream.readUntil((items) => items.some((item) => item.kind === "comment"));

      draining = true;
      const items = await stream.readToEnd(3000);

      assert.equal(securityEvents(items).length, 0);
    });

    it("stops waiting on the feed once the reader hangs up", async () => {
      const stream = openEventStream(await open());
      await stream.readUntil((items) => items.some((item) => item.kind === "comment"));
      const reads = feed.reads();

      await stream.close();
      // An idle stream reads the feed at least once a second while it waits.
      await new Promise((resolve) => setTimeout(resolve, 1300));

      assert.equal(feed.reads(), reads);
    });
  });

  describe("what it sends", () => {
    it("answers an event stream that proxies do not buffer or cache", async () => {
      const response = await open();
      await response.body?.cancel();

      assert.equal(response.status, 200);
      assert.equal(response.headers.get("content-type"), "text/event-stream");
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.equal(response.headers.get("x-accel-buffering"), "no");
    });

    it("sends each change as a SET that verifies with the published keys", async () => {
      const revoked = feed.append({
        kind: "access_token_revoked",
        tokenId: "jti-1",
        expiresAt: t.clock.now() + 60_000,
      });
      const changed = feed.append({
        kind: "user_changed",
        username: "johndoe",
        disabled: true,
        tokensValidAfter: t.clock.now(),
      });
      const deleted = feed.append({ kind: "user_deleted", username: "alice" });
      const client = feed.append({ kind: "client_changed", clientId: "other" });
      const key = feed.append({ kind: "signing_key_changed", keyId: "kid-1" });

      const sets = await readSets(await open(), 5);

      assert.deepEqual(await verified(sets), [revoked, changed, deleted, client, key]);
    });

    it("numbers each event with its sequence, for Last-Event-ID", async () => {
      feed.append({ kind: "user_deleted", username: "a" });
      feed.append({ kind: "user_deleted", username: "b" });
      const stream = openEventStream(await open());

      const items = await stream.readUntil((seen) => securityEvents(seen).length >= 2);
      await stream.close();

      assert.deepEqual(
        securityEvents(items).map((event) => event.id),
        ["1", "2"],
      );
    });

    it("signs the registered claims of RFC 8417 and nothing personal beyond the subject", async () => {
      await t.store.users.updateUser("johndoe", { fullName: "John Doe", email: "j@example.com" });
      feed.append({
        kind: "user_changed",
        username: "johndoe",
        disabled: false,
        tokensValidAfter: null,
      });

      const [set] = await readSets(await open(), 1);
      const [header, payload] = (set ?? "")
        .split(".")
        .slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));

      assert.equal(header.typ, "secevent+jwt");
      assert.deepEqual(Object.keys(payload).sort(), [
        "aud",
        "events",
        "iat",
        "iss",
        "jti",
        "sub_id",
        "toe",
        "toe_ms",
        "txn",
      ]);
      assert.equal(payload.aud, "resource-server");
      assert.equal(payload.iss, issuer);
      assert.equal(payload.txn, "1");
      assert.doesNotMatch(set ?? "", /John Doe|example\.com/);
      assert.doesNotMatch(JSON.stringify(payload), /John Doe|@example|password|scope/);
    });

    it("sends an event appended while the stream is open", async () => {
      const stream = openEventStream(await open());
      await stream.readUntil((items) => items.some((item) => item.kind === "comment"));

      const event = feed.append({ kind: "user_deleted", username: "johndoe" });
      const items = await stream.readUntil((seen) => securityEvents(seen).length >= 1);
      await stream.close();

      assert.deepEqual(await verified(securityEvents(items).map((e) => e.data)), [event]);
    });

    it("writes a comment once the reader is caught up", async () => {
      feed.append({ kind: "user_deleted", username: "a" });
      const stream = openEventStream(await open());

      const items = await stream.readUntil((seen) => seen.some((item) => item.kind === "comment"));
      await stream.close();

      assert.equal(securityEvents(items).length, 1);
    });
  });

  describe("where it starts", () => {
    it("resumes after the position Last-Event-ID names", async () => {
      for (const name of ["a", "b", "c"]) feed.append({ kind: "user_deleted", username: name });

      const sets = await readSets(await open({ "last-event-id": "2" }), 1);

      assert.deepEqual(
        (await verified(sets)).map((event) => event.sequence),
        [3],
      );
    });

    it("starts a new reader at the events committed since the time it names", async () => {
      const start = t.clock.now();
      feed.append({ kind: "user_deleted", username: "old", at: start - 3_600_000 });
      feed.append({ kind: "user_deleted", username: "older-than-since", at: start - 1000 });
      feed.append({ kind: "user_deleted", username: "new", at: start });

      const sets = await readSets(await open({}, `?since=${start / 1000}`), 1);

      assert.deepEqual(
        (await verified(sets)).map((event) => event.sequence),
        [3],
      );
    });

    it("tells a reader behind the oldest kept event that events are missing", async () => {
      for (const name of ["a", "b", "c", "d"])
        feed.append({ kind: "user_deleted", username: name });
      feed.prune(2);

      const sets = await readSets(await open({ "last-event-id": "1" }), 3);
      const [gap, ...rest] = await verified(sets);

      assert.deepEqual(gap, {
        kind: "feed_gap",
        sequence: 2,
        at: t.clock.now(),
        tokensValidAfter: t.clock.now(),
      } satisfies PublishedEvent);
      assert.deepEqual(
        rest.map((event) => event.sequence),
        [3, 4],
      );
    });

    it("tells a new reader when events of its time were pruned", async () => {
      const start = t.clock.now();
      feed.append({ kind: "user_deleted", username: "a", at: start - 2000 });
      feed.append({ kind: "user_deleted", username: "b", at: start - 1000 });
      feed.prune(1);

      const sets = await readSets(await open({}, `?since=${(start - 5000) / 1000}`), 2);

      assert.deepEqual(await verified(sets), [
        { kind: "feed_gap", sequence: 1, at: start, tokensValidAfter: start - 1000 },
        { kind: "user_deleted", username: "b", sequence: 2, at: start - 1000 },
      ]);
    });

    it("tells a reader at a position the feed never reached that the feed was replaced", async () => {
      feed.append({ kind: "user_deleted", username: "a" });

      const sets = await readSets(await open({ "last-event-id": "9" }), 2);
      const [gap, event] = await verified(sets);

      assert.equal(gap?.kind, "feed_gap");
      assert.equal(gap?.kind === "feed_gap" ? gap.tokensValidAfter : 0, t.clock.now());
      assert.equal(event?.sequence, 1);
    });

    it("answers 400 for a Last-Event-ID that is not a position", async () => {
      const response = await open({ "last-event-id": "1; DROP" });

      assert.equal(response.status, 400);
    });

    it("answers 422 for a since that is not a time", async () => {
      const response = await open({}, "?since=yesterday");

      assert.equal(response.status, 422);
    });

    it("reads a large backlog in several reads, in order", async () => {
      for (let index = 0; index < 1200; index += 1) {
        feed.append({ kind: "user_deleted", username: `user-${index}` });
      }
      const stream = openEventStream(await open());

      const items = await stream.readUntil((seen) => securityEvents(seen).length >= 1200);
      await stream.close();

      const ids = securityEvents(items).map((event) => Number(event.id));
      assert.deepEqual(
        ids,
        ids.map((_, index) => index + 1),
      );
    });
  });
});

describe("GET /security-events without a feed or an asymmetric key", () => {
  it("publishes the store's own change feed by default: a revocation reaches the reader", async () => {
    const clients = createTestClients({
      clientId: "resource-server",
      secret: "rs-secret",
      scopes: ["events:read"],
    });
    const t = await makeTestApp({ signingAlgorithm: "EdDSA", issuer, clients });
    try {
      const latest = await t.store.changes.latestSequence();
      await t.store.denylist.denyAccessToken("revoked-jti", t.clock.now() + 60_000, t.clock.now());
      const response = await t.app.request("/security-events", {
        headers: { authorization: reader, "last-event-id": String(latest) },
      });
      assert.equal(response.status, 200);
      const stream = openEventStream(response);
      try {
        const items = await stream.readUntil((seen) => securityEvents(seen).length >= 1);
        const [event] = securityEvents(items);
        const payload = JSON.parse(
          Buffer.from(event?.data.split(".")[1] ?? "", "base64url").toString("utf8"),
        ) as { txn: string; sub_id: { jti?: string } };

        assert.equal(event?.id, String(latest + 1));
        assert.equal(payload.txn, String(latest + 1));
        assert.equal(payload.sub_id.jti, "revoked-jti");
      } finally {
        await stream.close();
      }
    } finally {
      await t.close();
    }
  });

  it("answers 503 while the keys were rotated to a shared secret", async () => {
    const clients = createTestClients({
      clientId: "resource-server",
      secret: "rs-secret",
      scopes: ["events:read"],
    });
    const t = await makeTestApp({
      signingAlgorithm: "EdDSA",
      issuer,
      clients,
      services: (services) => ({
        ...services,
        changes: createFakeChangeFeed(services.clock),
        securityEvents: {
          canSign: () => false,
          sign: () => {
            throw new TypeError("a shared secret");
          },
        },
      }),
    });

    const response = await t.app.request("/security-events", {
      headers: { authorization: reader },
    });
    await t.close();

    assert.equal(response.status, 503);
  });

  it("is not served with a shared-secret key, which resource servers cannot verify", async () => {
    const t = await makeTestApp({
      services: (services) => ({ ...services, changes: createFakeChangeFeed(services.clock) }),
    });

    const response = await t.app.request("/security-events");
    await t.close();

    assert.equal(response.status, 404);
  });
});
