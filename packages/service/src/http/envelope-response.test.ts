import assert from "node:assert/strict";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { describe, it } from "node:test";
import { securityHeaders } from "gatehouse-auth-core/protocol/security-headers";
import { EnvelopeResponse } from "./envelope-response.ts";

const requestId = "6f1c2b1e-0a7d-4c55-9a64-1f2e3d4c5b6a";

// Serves one request with `answer` on a server built with EnvelopeResponse and resolves with the
// raw head Node sent, so repeated header lines and their case are visible.
async function rawHead(answer: (response: ServerResponse) => void): Promise<string> {
  const server = createServer(
    { ServerResponse: EnvelopeResponse },
    (_request: IncomingMessage, response) => {
      answer(response);
    },
  );
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () =>
        socket.end("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
      );
      let received = "";
      socket.on("data", (chunk: Buffer) => {
        received += chunk.toString();
      });
      socket.on("end", () => resolve(received));
      socket.on("error", reject);
    });
    return text.slice(0, text.indexOf("\r\n\r\n"));
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const carried = (response: ServerResponse): EnvelopeResponse => {
  assert.ok(response instanceof EnvelopeResponse);
  response.carry(requestId);
  return response;
};

// The lines of `head` naming `header`, in any case.
const lines = (head: string, header: string): string[] =>
  head.split("\r\n").filter((line) => line.toLowerCase().startsWith(`${header.toLowerCase()}:`));

function assertEnvelope(head: string, except: readonly string[] = []): void {
  assert.deepEqual(lines(head, "x-request-id"), [`X-Request-Id: ${requestId}`]);
  for (const [name, value] of securityHeaders) {
    if (!except.includes(name)) assert.deepEqual(lines(head, name), [`${name}: ${value}`], name);
  }
}

const body = '{"ok":true}';
const json: OutgoingHttpHeaders = { "content-type": "application/json" };

describe("EnvelopeResponse", () => {
  it("sends the request id and every security header with a head given as an object", async () => {
    const head = await rawHead((response) => {
      carried(response).writeHead(200, json).end(body);
    });

    assert.match(head, /^HTTP\/1\.1 200 OK/);
    assertEnvelope(head);
    assert.deepEqual(lines(head, "content-type"), ["content-type: application/json"]);
  });

  it("keeps a status message given before the headers", async () => {
    const head = await rawHead((response) => {
      carried(response).writeHead(201, "Made", json).end(body);
    });

    assert.match(head, /^HTTP\/1\.1 201 Made/);
    assertEnvelope(head);
  });

  it("lets the route's own value win once, whatever the case of its name", async () => {
    const head = await rawHead((response) => {
      carried(response)
        .writeHead(200, { "cache-control": "public, max-age=60", "X-REQUEST-ID": "mine" })
        .end(body);
    });

    assert.deepEqual(lines(head, "cache-control"), ["cache-control: public, max-age=60"]);
    assert.deepEqual(lines(head, "x-request-id"), ["X-REQUEST-ID: mine"]);
    assert.deepEqual(lines(head, "x-frame-options"), ["X-Frame-Options: DENY"]);
  });

  it("keeps a header the route set with setHeader before the head", async () => {
    const head = await rawHead((response) => {
      carried(response).setHeader("Cache-Control", "private");
      response.writeHead(200, json).end(body);
    });

    assert.deepEqual(lines(head, "cache-control"), ["Cache-Control: private"]);
    assertEnvelope(head, ["Cache-Control"]);
  });

  it("adds the headers to a head Node writes by itself, and to one given as an array", async () => {
    const implicit = await rawHead((response) => {
      carried(response).end(body);
    });
    const array = await rawHead((response) => {
      carried(response).writeHead(200, ["Cache-Control", "max-age=5"]).end(body);
    });

    assertEnvelope(implicit);
    assertEnvelope(array, ["Cache-Control"]);
    assert.deepEqual(lines(array, "cache-control"), ["Cache-Control: max-age=5"]);
  });

  it("adds nothing to a response it was not asked to carry", async () => {
    const head = await rawHead((response) => {
      response.writeHead(200, json).end(body);
    });

    assert.deepEqual(lines(head, "x-request-id"), []);
    assert.deepEqual(lines(head, "x-frame-options"), []);
  });
});
