// A Fastify service that accepts Gatehouse tokens: GET /items needs the `items` scope.
// Run: GATEHOUSE_URL=http://127.0.0.1:8000 GATEHOUSE_ISSUER=http://127.0.0.1:8000 \
//   NODE_OPTIONS=--conditions=gatehouse-source node_modules/.bin/node examples/fastify/server.ts
// In your own project, import from "gatehouse-auth-guard" and "gatehouse-auth-guard/fastify".
import Fastify from "fastify";
import { createFastifyGuard } from "gatehouse-auth-guard/fastify";
import { createRemoteVerifier } from "gatehouse-auth-guard/remote-verifier";

const gatehouse = process.env["GATEHOUSE_URL"] ?? "http://127.0.0.1:8000";
const guard = createFastifyGuard(
  createRemoteVerifier({
    jwksUrl: `${gatehouse}/.well-known/jwks.json`,
    issuer: process.env["GATEHOUSE_ISSUER"] ?? gatehouse,
  }),
);

const app = Fastify();
app.get("/items", { preHandler: guard.require(["items"]) }, async (request) => {
  const principal = guard.principal(request);
  return { owner: principal.subject, scopes: principal.scopes };
});

const address = await app.listen({ host: "127.0.0.1", port: Number(process.env["PORT"] ?? 3000) });
console.log(`listening on ${address}`);
process.once("SIGTERM", () => void app.close());
