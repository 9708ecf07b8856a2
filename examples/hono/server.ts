// A Hono service that accepts Gatehouse tokens: GET /items needs the `items` scope.
// Run: GATEHOUSE_URL=http://127.0.0.1:8000 GATEHOUSE_ISSUER=http://127.0.0.1:8000 \
//   NODE_OPTIONS=--conditions=gatehouse-source node_modules/.bin/node examples/hono/server.ts
// In your own project, import from "gatehouse-auth-guard" and "gatehouse-auth-guard/hono".
import { serve } from "@hono/node-server";
import type { GatehouseEnv } from "gatehouse-auth-guard/hono";
import { requireGatehouseToken } from "gatehouse-auth-guard/hono";
import { createRemoteVerifier } from "gatehouse-auth-guard/remote-verifier";
import { Hono } from "hono";

const gatehouse = process.env["GATEHOUSE_URL"] ?? "http://127.0.0.1:8000";
const verifier = createRemoteVerifier({
  jwksUrl: `${gatehouse}/.well-known/jwks.json`,
  issuer: process.env["GATEHOUSE_ISSUER"] ?? gatehouse,
});

const app = new Hono<GatehouseEnv>();
app.get("/items", requireGatehouseToken(verifier, ["items"]), (c) =>
  c.json({ owner: c.var.gatehouse.subject, scopes: c.var.gatehouse.scopes }),
);

const server = serve(
  { fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env["PORT"] ?? 3000) },
  (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`);
  },
);
process.once("SIGTERM", () => server.close());
