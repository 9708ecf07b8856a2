// An Express service that accepts Gatehouse tokens: GET /items needs the `items` scope.
// Run: GATEHOUSE_URL=http://127.0.0.1:8000 GATEHOUSE_ISSUER=http://127.0.0.1:8000 \
//   NODE_OPTIONS=--conditions=gatehouse-source node_modules/.bin/node examples/express/server.ts
// In your own project, import from "gatehouse-auth-guard" and "gatehouse-auth-guard/express".
import express from "express";
import { createExpressGuard } from "gatehouse-auth-guard/express";
import { createRemoteVerifier } from "gatehouse-auth-guard/remote-verifier";

const gatehouse = process.env["GATEHOUSE_URL"] ?? "http://127.0.0.1:8000";
const guard = createExpressGuard(
  createRemoteVerifier({
    jwksUrl: `${gatehouse}/.well-known/jwks.json`,
    issuer: process.env["GATEHOUSE_ISSUER"] ?? gatehouse,
  }),
);

const app = express();
app.get("/items", guard.require(["items"]), (request, response) => {
  const principal = guard.principal(request);
  response.json({ owner: principal.subject, scopes: principal.scopes });
});

const server = app.listen(Number(process.env["PORT"] ?? 3000), "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  console.log(`listening on http://127.0.0.1:${port}`);
});
process.once("SIGTERM", () => server.close());
