// An HTTP fuzz pass over /token and the protected routes, through a real socket with raw bytes:
// random methods, content types, encodings, sizes and header combinations. Whatever arrives, the
// answer is a status below 500, and it arrives within the per-request timeout.
// Reproduce a failure with FUZZ_SEED=<seed printed in the failure> node --test test/e2e/http-fuzz.test.ts
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { serve } from "@hono/node-server";
import fc from "fast-check";
import { createApp } from "gatehouse-auth/http/app";
import type { Services } from "gatehouse-auth/service/compose";
import { composeServices } from "gatehouse-auth/service/compose";
import { loadSettings } from "gatehouse-auth/service/config";
import { createFastHasher } from "../fixtures/fast-hasher.ts";

const seed = Number(process.env["FUZZ_SEED"] ?? Math.floor(Math.random() * 2 ** 31));
const requestTimeoutMs = 5000;
const runs = Number(process.env["FUZZ_RUNS"] ?? "600");

type Server = ReturnType<typeof serve>;

/** Sends raw bytes on a fresh connection and resolves with the status code of the answer. */
function exchange(port: number, request: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(requestTimeoutMs, () => {
      socket.destroy();
      reject(new Error(`no answer within ${requestTimeoutMs} ms`));
    });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error) => {
      // The server may close while we still write a body it refused; the answer came first.
      const head = Buffer.concat(chunks).toString("latin1");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      if (status === undefined) reject(error);
      else resolve(Number(status));
    });
    socket.on("end", () => {
      const head = Buffer.concat(chunks).toString("latin1");
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
      if (status === undefined) reject(new Error(`no status line in ${JSON.stringify(head)}`));
      else resolve(Number(status));
      socket.destroy();
    });
    socket.write(request);
  });
}

const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW");
const path = fc.constantFrom(
  "/token",
  "/token/",
  "/users/me/",
  "/users/me",
  "/users/me/items/",
  "/status/",
  "/token?scope=%ZZ",
  "/users/me/%ZZ",
  "/%ff%fe/token",
  "//users/me/",
  "/token?username=johndoe&password=secret",
);
const contentType = fc.option(
  fc.constantFrom(
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=ISO-8859-1",
    "APPLICATION/X-WWW-FORM-URLENCODED ; charset=utf-8",
    "application/json",
    "multipart/form-data; boundary=----x",
    "text/plain",
    "application/x-www-form-urlencoded\u00ff",
    ";;;",
  ),
  { nil: undefined },
);
const formValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom("%ZZ", "%E0%A4%A", "%00", "%C3%28", "%FF%FE", "+++", "%", "a%2"),
);
const body = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
  fc
    .record({ username: formValue, password: formValue, scope: fc.option(formValue) })
    .map(({ username, password, scope }) =>
      Buffer.from(
        `username=${username}&password=${password}${scope === null ? "" : `&scope=${scope}`}`,
      ),
    ),
  fc.constant(Buffer.from("username=johndoe&password=secret")),
  fc.constant(Buffer.from("username=johndoe&username=alice&password=secret")),
  fc.constant(
    Buffer.concat([
      Buffer.from("username=john"),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from("&password=\x80"),
    ]),
  ),
  fc.constant(Buffer.from(`username=johndoe&password=${"p".repeat(1100)}`)),
  fc.integer({ min: 16_000, max: 70_000 }).map((size) => Buffer.alloc(size, "a")),
);

/** Authorization headers, some as several header lines. */
function authorizations(token: string) {
  return fc.oneof(
    fc.constant([] as string[]),
    fc.constant([`Bearer ${token}`]),
    fc.constant([`bearer    ${token}   `]),
    fc.constant([`Bearer ${token}`, `Bearer ${token}`]),
    fc.constant([`Bearer ${token}`, "Basic am9objpzZWNyZXQ="]),
    fc.constant([`Bearer\t${token}`]),
    fc.constant([`Bearer ${token.slice(0, -3)}`]),
    fc.constant([`Bearer ${"a".repeat(5000)}`]),
    fc.constant([`Bearer= ${token}`]),
    fc.constant(["Bearer"]),
    fc.constant(["Digest username=x"]),
    fc.string({ unit: "binary", maxLength: 80 }).map((value) => [value.replace(/[\r\n]/g, "")]),
  );
}

const extraHeaders = fc.subarray([
  `X-Long: ${"x".repeat(12_000)}`,
  "Content-Encoding: gzip",
  "Accept-Charset: utf-16",
  "Expect: 100-continue",
  "Transfer-Encoding: gzip, chunked",
]);

/** Builds the raw request: headers, then the body as Content-Length or chunked. */
function rawRequest(request: {
  method: string;
  path: string;
  contentType: string | undefined;
  body: Buffer;
  authorization: readonly string[];
  extra: readonly string[];
  chunked: boolean;
}): Buffer {
  const chunked = request.chunked || request.extra.some((h) => h.startsWith("Transfer-Encoding"));
  const lines = [
    `${request.method} ${request.path} HTTP/1.1`,
    "Host: 127.0.0.1",
    "Connection: close",
    ...(request.contentType === undefined ? [] : [`Content-Type: ${request.contentType}`]),
    ...request.authorization.map((value) => `Authorization: ${value}`),
    ...request.extra.filter((h) => !h.startsWith("Transfer-Encoding")),
    chunked
      ? (request.extra.find((h) => h.startsWith("Transfer-Encoding")) ??
        "Transfer-Encoding: chunked")
      : `Content-Length: ${request.body.length}`,
  ];
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  if (!chunked) return Buffer.concat([head, request.body]);
  const half = Math.floor(request.body.length / 2);
  const parts = [request.body.subarray(0, half), request.body.subarray(half)].filter(
    (part) => part.length > 0,
  );
  const chunks = parts.map((part) =>
    Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")]),
  );
  return Buffer.concat([head, ...chunks, Buffer.from("0\r\n\r\n")]);
}

describe(`the HTTP fuzz pass (seed ${seed})`, { timeout: 60_000 }, () => {
  let services: Services;
  let server: Server;
  let port: number;
  let token: string;
  before(async () => {
    services = await composeServices(
      loadSettings({ GATEHOUSE_DATABASE_URL: ":memory:", GATEHOUSE_DEMO: "true" }),
      { hasher: createFastHasher() },
    );
    const app = createApp(services);
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s));
    });
    port = (server.address() as AddressInfo).port; // a TCP listener always has an AddressInfo
    const response = await fetch(`http://127.0.0.1:${port}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "username=johndoe&password=secret",
    });
    token = ((await response.json()) as { access_token: string }).access_token;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await services.close();
  });

  it("answers every random request below 500 and within the request timeout", async () => {
    const request = fc.record({
      method,
      path,
      contentType,
      body,
      authorization: authorizations(token),
      extra: extraHeaders,
      chunked: fc.boolean(),
    });

    const seen = new Set<number>();

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const status = await exchange(port, rawRequest(r));
        seen.add(status);
        assert.ok(status < 500, `status ${status} for ${r.method} ${r.path} (seed ${seed})`);
      }),
      { seed, numRuns: runs },
    );

    // The pass reached the handlers, not only the HTTP parser.
    for (const status of [200, 401, 404, 422])
      assert.ok(seen.has(status), `${status} (seed ${seed})`);
  });

  it("still serves the seed flow after the fuzz pass", async () => {
    const response = await fetch(`http://127.0.0.1:${port}/users/me/`, {
      headers: { authorization: `Bearer ${token}` },
    });

    assert.equal(response.status, 200);
  });
});
