import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ServerType } from "@hono/node-server";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { limitBody } from "./body-limit.ts";

const maxSize = 16;

function cappedEcho(): Hono {
  const app = new Hono();
  app.post(
    "/echo",
    limitBody({ maxSize, onError: (c) => c.json({ detail: "Request body too large" }, 413) }),
    async (c) => c.text(await c.req.text()),
  );
  return app;
}

// Sends `request` as is on a new connection and resolves with everything the server answered.
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let answer = "";
    socket.setTimeout(3000, () => {
      socket.destroy();
      reject(new Error(`no answer within 3 s; so far: ${JSON.stringify(answer)}`));
    });
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString();
      // One answer is all any of these requests gets.
      if (/\r\n\r\n/.test(answer) && /content-length: (\d+)/i.test(answer)) {
        const length = Number(/content-length: (\d+)/i.exec(answer)?.[1]);
        if (Buffer.byteLength(answer.split("\r\n\r\n").slice(1).join("\r\n\r\n")) >= length) {
          socket.destroy();
          resolve(answer);
        }
      }
    });
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

describe("the body cap", () => {
  describe("over Node's HTTP server", () => {
    let server: ServerType;
    let port: number;
    before(async () => {
      server = await new Promise<ServerType>((resolve) => {
        const s = serve({ fetch: cappedEcho().fetch, hostname: "127.0.0.1", port: 0 }, () =>
          resolve(s),
        );
      });
      port = (server.address() as AddressInfo).port;
    });
    after(() => new Promise((resolve) => server.close(resolve)));

    const post = (headers: string, body: string): Promise<string> =>
      rawRequest(port, `POST /echo HTTP/1.1\r\nHost: x\r\n${headers}\r\n${body}`);

    it("lets a body of the declared length up to the cap through to the route, byte for byte", async () => {
      const answer = await post("Content-Length: 16\r\n", "username=johndoe");

      assert.match(answer, /^HTTP\/1\.1 200 /);
      assert.match(answer, /\r\n\r\nusername=johndoe$/);
    });

    it("refuses a declared length over the cap at once, without waiting for the body", async () => {
      // Only the head is sent: an answer proves the cap was decided from Content-Length alone.
      const answer = await post("Content-Length: 17\r\n", "");

      assert.match(answer, /^HTTP\/1\.1 413 /);
      assert.match(answer, /"detail":"Request body too large"/);
    });

    it("refuses a huge declared length the same way", async () => {
      const answer = await post("Content-Length: 999999999999999\r\n", "");

      assert.match(answer, /^HTTP\/1\.1 413 /);
    });

    it("counts a chunked body as it streams and refuses it once past the cap", async () => {
      const chunk = "x".repeat(10);
      const answer = await post(
        "Transfer-Encoding: chunked\r\n",
        `a\r\n${chunk}\r\na\r\n${chunk}\r\n0\r\n\r\n`,
      );

      assert.match(answer, /^HTTP\/1\.1 413 /);
    });

    it("lets a chunked body under the cap through to the route", async () => {
      const answer = await post("Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n");

      assert.match(answer, /^HTTP\/1\.1 200 /);
      assert.match(answer, /\r\n\r\nhello$/);
    });

    it("leaves a request with both Content-Length and Transfer-Encoding to Node, which refuses it", async () => {
      const answer = await post(
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        "5\r\nhello\r\n0\r\n\r\n",
      );

      assert.match(answer, /^HTTP\/1\.1 400 /);
    });
  });

  describe("elsewhere (app.request, other runtimes)", () => {
    const app = cappedEcho();

    it("refuses a body over the cap", async () => {
      const response = await app.request("/echo", { method: "POST", body: "x".repeat(17) });

      assert.equal(response.status, 413);
    });

    it("lets a body up to the cap through", async () => {
      const response = await app.request("/echo", { method: "POST", body: "x".repeat(16) });

      assert.equal(response.status, 200);
      assert.equal(await response.text(), "x".repeat(16));
    });
  });
});
