// A Hono service that accepts Gatehouse tokens: GET /items needs the `items` scope.
// In a project of your own (package.json with "type": "module"; Node.js 24 runs TypeScript as is):
//   npm install gatehouse-auth-guard hono @hono/node-server
//   GATEHOUSE_URL=http://127.0.0.1:8000 GATEHOUSE_ISSUER=http://127.0.0.1:8000 node server.ts
// The Gatehouse it trusts signs with EdDSA or ES256 and has GATEHOUSE_ISSUER set to that issuer.
// It describes itself at /.well-known/oauth-protected-resource (RFC 9728), and its 401 and 403
// challenges point there, so a client can find the Gatehouse to get a token from.
import { serve } from "@hono/node-server";
import type { TokenRefusal } from "gatehouse-auth-guard";
import { createRemoteVerifier } from "gatehouse-auth-guard";
import type { GatehouseEnv } from "gatehouse-auth-guard/hono";
import { requireGatehouseToken, serveProtectedResourceMetadata } from "gatehouse-auth-guard/hono";
import { createProtectedResource } from "gatehouse-auth-guard/protected-resource";
import { Hono } from "hono";

const gatehouse = process.env["GATEHOUSE_URL"] ?? "http://127.0.0.1:8000";
const issuer = process.env["GATEHOUSE_ISSUER"] ?? gatehouse;
// The URL clients know this service by; its metadata is served under it.
const resource = createProtectedResource({
  resource: process.env["RESOURCE_URL"] ?? `http://127.0.0.1:${process.env["PORT"] ?? 3000}`,
  authorizationServers: [issuer],
  scopesSupported: ["items"],
});
const verifier = createRemoteVerifier({ jwksUrl: `${gatehouse}/.well-known/jwks.json`, issuer });

// The guard explains a refusal in its Bearer challenge; onRefused also gets the failed check, for
// a debug log line (never a token or a claim's value, only the verifier's own settings).
const onRefused = (refusal: TokenRefusal): void => {
  console.warn(`token refused: ${refusal.code}: ${refusal.reason}`);
};

const app = new Hono<GatehouseEnv>();
app.get(resource.metadataPath, serveProtectedResourceMetadata(resource));
const options = { resourceMetadataUrl: resource.metadataUrl, onRefused };
app.get("/items", requireGatehouseToken(verifier, ["items"], options), (c) =>
  c.json({ owner: c.var.gatehouse.subject, scopes: c.var.gatehouse.scopes }),
);

const server = serve(
  { fetch: app.fetch, hostname: "127.0.0.1", port: Number(process.env["PORT"] ?? 3000) },
  (info) => {
    console.log(`listening on http://127.0.0.1:${info.port}`);
  },
);
process.once("SIGTERM", () => server.close());
