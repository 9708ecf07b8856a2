// A Fastify service that accepts Gatehouse tokens: GET /items needs the `items` scope.
// In a project of your own (package.json with "type": "module"; Node.js 24 runs TypeScript as is):
//   npm install gatehouse-auth-guard fastify
//   GATEHOUSE_URL=http://127.0.0.1:8000 GATEHOUSE_ISSUER=http://127.0.0.1:8000 node server.ts
// The Gatehouse it trusts signs with EdDSA or ES256 and has GATEHOUSE_ISSUER set to that issuer.
// It describes itself at /.well-known/oauth-protected-resource (RFC 9728), and its 401 and 403
// challenges point there, so a client can find the Gatehouse to get a token from.
import Fastify from "fastify";
import type { TokenRefusal } from "gatehouse-auth-guard";
import { createRemoteVerifier } from "gatehouse-auth-guard";
import { createFastifyGuard, serveProtectedResourceMetadata } from "gatehouse-auth-guard/fastify";
import { createProtectedResource } from "gatehouse-auth-guard/protected-resource";

const gatehouse = process.env["GATEHOUSE_URL"] ?? "http://127.0.0.1:8000";
const issuer = process.env["GATEHOUSE_ISSUER"] ?? gatehouse;
// The URL clients know this service by; its metadata is served under it.
const resource = createProtectedResource({
  resource: process.env["RESOURCE_URL"] ?? `http://127.0.0.1:${process.env["PORT"] ?? 3000}`,
  authorizationServers: [issuer],
  scopesSupported: ["items"],
});
// The guard explains a refusal in its Bearer challenge; onRefused also gets the failed check, for
// a debug log line (never a token or a claim's value, only the verifier's own settings).
const onRefused = (refusal: TokenRefusal): void => {
  console.warn(`token refused: ${refusal.code}: ${refusal.reason}`);
};

const guard = createFastifyGuard(
  createRemoteVerifier({ jwksUrl: `${gatehouse}/.well-known/jwks.json`, issuer }),
  { resourceMetadataUrl: resource.metadataUrl, onRefused },
);

const app = Fastify();
app.get(resource.metadataPath, serveProtectedResourceMetadata(resource));
app.get("/items", { preHandler: guard.require(["items"]) }, async (request) => {
  const principal = guard.principal(request);
  return { owner: principal.subject, scopes: principal.scopes };
});

const address = await app.listen({ host: "127.0.0.1", port: Number(process.env["PORT"] ?? 3000) });
console.log(`listening on ${address}`);
process.once("SIGTERM", () => void app.close());
