// The ceiling for the throughput target: the same framework and server adapter as Gatehouse,
// serving one trivial JSON route and nothing else. Bench-only; production code has no bench hooks.
// `/busy` is the same route after a fixed spell of busy work (BUSY_MICROS, 10 µs by default): it
// shows what a route that adds only that much CPU keeps of the ceiling on this machine.
// `/headers` is the route with the headers every Gatehouse response carries (the security headers
// and a fresh `X-Request-Id`), which are part of the contract: the ceiling target 1 is held to.
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { securityHeaders } from "gatehouse-auth-core/protocol/security-headers";
import { Hono } from "hono";

const busyMillis = Number(process.env["BUSY_MICROS"] ?? "10") / 1000;

const app = new Hono({ strict: false });
app.get("/bare", (c) => c.json({ status: "ok" }, 200));
app.get("/headers", (c) => {
  const headers: Record<string, string> = { "X-Request-Id": randomUUID() };
  for (const [name, value] of securityHeaders) headers[name] = value;
  return c.json({ status: "ok" }, 200, headers);
});
app.get("/busy", (c) => {
  const until = performance.now() + busyMillis;
  while (performance.now() < until) {
    // spinning: the point is to spend the time
  }
  return c.json({ status: "ok" }, 200);
});

const port = Number(process.env["PORT"] ?? "0");
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, () => {
  const address = server.address() as AddressInfo; // a TCP listener always has an AddressInfo
  process.stdout.write(`${JSON.stringify({ msg: "listening", port: address.port })}\n`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
