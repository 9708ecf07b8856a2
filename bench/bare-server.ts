// The ceiling for the throughput target: the same framework and server adapter as Gatehouse,
// serving one trivial JSON route and nothing else. Bench-only; production code has no bench hooks.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono({ strict: false });
app.get("/bare", (c) => c.json({ status: "ok" }, 200));

const port = Number(process.env["PORT"] ?? "0");
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, () => {
  const address = server.address() as AddressInfo; // a TCP listener always has an AddressInfo
  process.stdout.write(`${JSON.stringify({ msg: "listening", port: address.port })}\n`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
