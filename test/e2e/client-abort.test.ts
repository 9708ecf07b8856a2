// A client that closes its connection mid-body is counted and logged as a client abort, never as
// a 5xx (issue 16).
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import type { RunningServer } from "gatehouse-auth/server/start-server";
import { startServer } from "gatehouse-auth/server/start-server";
import { loadSettings } from "gatehouse-auth/service/config";
import type { Logger } from "gatehouse-auth/telemetry/logger";
import { createFastHasher } from "../fixtures/fast-hasher.ts";

const metricsToken = "metrics-token-of-at-least-32-characters";

interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>> | undefined;
}

/** Sends `head` and part of a body, then closes the connection and waits for the server to see it. */
function hangUpMidBody(port: number, head: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(head);
      // Long enough for the route to be reading the body when the connection goes.
      setTimeout(() => socket.destroy(), 50);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => setTimeout(resolve, 100));
  });
}

describe("a client that closes its connection mid-body", () => {
  let server: RunningServer;
  const lines: LogLine[] = [];
  const record =
    (level: string) =>
    (msg: string, fields?: Readonly<Record<string, unknown>>): void => {
      lines.push({ level, msg, fields });
    };
  const logger: Logger = {
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };

  before(async () => {
    const settings = loadSettings({
      HOST: "127.0.0.1",
      PORT: "0",
      GATEHOUSE_DATABASE_URL: ":memory:",
      GATEHOUSE_DEMO: "true",
      GATEHOUSE_METRICS_TOKEN: metricsToken,
    });
    server = await startServer(settings, { logger, compose: { hasher: createFastHasher() } });
    const form = "Content-Type: application/x-www-form-urlencoded\r\n";
    await hangUpMidBody(
      server.port,
      `POST /token HTTP/1.1\r\nHost: x\r\n${form}Content-Length: 1000\r\n\r\nusername=jo`,
    );
    await hangUpMidBody(
      server.port,
      `POST /token HTTP/1.1\r\nHost: x\r\n${form}Transfer-Encoding: chunked\r\n\r\n5\r\nusern\r\n`,
    );
    await hangUpMidBody(
      server.port,
      `POST /revoke HTTP/1.1\r\nHost: x\r\n${form}Content-Length: 1000\r\n\r\ntoken=ab`,
    );
  });
  after(() => server.close());

  it("is counted as status 499 on its route, never as a 5xx (issue 16)", async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`, {
      headers: { authorization: `Bearer ${metricsToken}` },
    });
    const counted = (await response.text())
      .split("\n")
      .filter((line) => line.startsWith("gatehouse_http_requests_total{"));

    assert.ok(
      counted.includes(
        'gatehouse_http_requests_total{method="POST",route="/token",status="499"} 2',
      ),
      counted.join("\n"),
    );
    assert.ok(
      counted.includes(
        'gatehouse_http_requests_total{method="POST",route="/revoke",status="499"} 1',
      ),
      counted.join("\n"),
    );
    assert.deepEqual(
      counted.filter((line) => /status="5\d\d"/.test(line)),
      [],
    );
  });

  it("is logged below warning and without a stack (issue 16)", () => {
    const loud = lines.filter((line) => line.level === "warn" || line.level === "error");
    const aborts = lines.filter((line) => line.fields?.["status"] === 499);

    assert.deepEqual(loud, []);
    assert.equal(aborts.length, 3);
    assert.ok(aborts.every((line) => line.level === "info"));
    assert.ok(!JSON.stringify(lines).includes("stack"));
  });
});
