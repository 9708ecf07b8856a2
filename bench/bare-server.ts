// The ceiling for the throughput target: the same framework and server adapter as Gatehouse,
// serving one trivial JSON route and nothing else. Bench-only; production code has no bench hooks.
// `/busy` is the same route after a fixed spell of busy work (BUSY_MICROS, 10 µs by default): it
// shows what a route that adds only that much CPU keeps of the ceiling on this machine.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const busyMillis = Number(process.env["BUSY_MICROS"] ?? "10") / 1000;

const app = new Hono({ strict: false });
app.get("/bare", (c) => c.json({ status: "ok" }, 200));
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
