// A full flow against a real server, with every log line captured: one line per request, and no
// password, token, hash or signing secret anywhere in the log.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RunningServer, startServer } from "gatehouse-auth/server/start-server";
import { composeServices } from "gatehouse-auth/service/compose";
import { loadSettings } from "gatehouse-auth/service/config";
import { createLogger } from "gatehouse-auth/telemetry/logger";
import { createFastHasher } from "../fixtures/fast-hasher.ts";

const signingSecret = "log-scan signing secret, long enough to be accepted";
const adminPassword = "admin-password-for-the-scan";

interface Sent {
  readonly requestId: string | null;
  readonly status: number;
}

describe("the log of a full flow", () => {
  let directory = "";
  let server: RunningServer;
  let base = "";
  const lines: string[] = [];
  const sent: Sent[] = [];
  let accessToken = "";
  let johndoeHash = "";
  let loginAddresses: (string | null)[] = [];

  const request = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const response = await fetch(`${base}${path}`, init);
    sent.push({ requestId: response.headers.get("x-request-id"), status: response.status });
    return response;
  };
  const login = async (username: string, password: string): Promise<Response> =>
    request("/token", { method: "POST", body: new URLSearchParams({ username, password }) });
  const bearer = (token: string, body?: unknown): RequestInit => ({
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "gatehouse-logscan-"));
    const settings = loadSettings({
      HOST: "127.0.0.1",
      PORT: "0",
      GATEHOUSE_DATABASE_URL: `sqlite:${join(directory, "gatehouse.db")}`,
      GATEHOUSE_DEMO: "true",
      GATEHOUSE_JWT_SECRET: signingSecret,
      GATEHOUSE_HASH_WORKERS: "1",
      GATEHOUSE_LOG_LEVEL: "debug",
    });
    server = await startServer(settings, {
      logger: createLogger("debug", (line) => {
        lines.push(line);
      }),
    });
    base = `http://127.0.0.1:${server.port}`;
    // The first admin, made beside the running server as the CLI would make it.
    const side = await composeServices(settings, { hasher: createFastHasher() });
    await side.store.users.createUser({
      username: "root",
      scopes: ["users:read", "users:write", "audit:read"],
      passwordHash: await side.hasher.hash(adminPassword),
    });
    johndoeHash = (await side.store.users.findByUsername("johndoe"))?.passwordHash ?? "";
    await side.close();

    accessToken = ((await (await login("johndoe", "secret")).json()) as { access_token: string })
      .access_token;
    await request("/users/me/", bearer(accessToken));
    await request("/users/me/items/", bearer(accessToken));
    await request("/status/", bearer(accessToken));
    await login("johndoe", "not-the-password");
    await login("alice", "secret2");
    await login("nobody", "secret");
    await request("/users/me/", bearer(`${accessToken}tampered`));
    const admin = ((await (await login("root", adminPassword)).json()) as { access_token: string })
      .access_token;
    await request("/admin/users", {
      method: "POST",
      ...bearer(admin, { username: "newbie", password: "secret", scopes: ["me"] }),
    });
    await request("/admin/users", {
      method: "POST",
      ...bearer(admin, { username: "-bad", password: "secret2" }),
    });
    await request("/admin/users/newbie", { method: "PATCH", ...bearer(admin, { disabled: true }) });
    await request("/admin/users/newbie/password", {
      method: "PUT",
      ...bearer(admin, { password: "secret2" }),
    });
    await request("/admin/users?limit=10", bearer(admin));
    await request("/admin/audit", bearer(admin));
    await request("/admin/users/newbie", { method: "DELETE", ...bearer(admin) });
    await request("/metrics");
    await request(`/users/me/?token=${accessToken}`);
    await server.close();
    const reopened = await composeServices(settings, { hasher: createFastHasher() });
    loginAddresses = (
      await reopened.store.audit.list({ type: "login.succeeded", limit: 10 })
    ).events.map((e) => e.clientAddress);
    await reopened.close();
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("holds no demo password as a value", () => {
    const log = lines.join("");

    assert.doesNotMatch(log, /"secret2?"|=secret|not-the-password|admin-password-for-the-scan/);
  });

  it("holds neither the issued access token nor any part of its signature", () => {
    const log = lines.join("");
    const signature = accessToken.split(".")[2] ?? "";

    assert.ok(signature.length > 20);
    assert.equal(log.includes(accessToken), false);
    assert.equal(log.includes(signature), false);
  });

  it("holds neither the password hash nor the signing secret", () => {
    const log = lines.join("");

    assert.ok(johndoeHash.startsWith("$argon2id$"));
    assert.equal(log.includes(johndoeHash), false);
    assert.equal(log.includes(johndoeHash.split("$").at(-1) ?? "-"), false);
    assert.equal(log.includes(signingSecret), false);
    assert.doesNotMatch(log, /argon2id|\$2b\$/);
  });

  it("records the socket's address in the audit trail", () => {
    assert.ok(loginAddresses.length >= 2);
    assert.ok(
      loginAddresses.every((address) => address === "127.0.0.1" || address === "::ffff:127.0.0.1"),
    );
  });

  it("writes exactly one line per request, with its request id, route, status and duration", () => {
    const requests = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry["msg"] === "request");

    assert.equal(requests.length, sent.length);
    assert.deepEqual(
      requests.map((r) => [r["requestId"], r["status"]]),
      sent.map((s) => [s.requestId, s.status]),
    );
    for (const entry of requests) {
      assert.equal(typeof entry["route"], "string");
      assert.equal(typeof entry["durationMs"], "number");
    }
    assert.ok(requests.some((r) => r["route"] === "/admin/users/:username"));
  });
});
