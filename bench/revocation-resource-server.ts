// The resource server of the revocation bench: Express with the toolkit guard, following
// Gatehouse's security events when SUBSCRIBE=1. Prints one JSON line once it listens (and, when
// subscribed, has caught up); serves GET /items (scope items), GET /cpu and GET /state.
import type { AddressInfo } from "node:net";
import express from "express";
import { createRemoteVerifier } from "gatehouse-auth-guard";
import { createExpressGuard } from "gatehouse-auth-guard/express";

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const gatehouse = env("GATEHOUSE_URL");
const subscribe = process.env["SUBSCRIBE"] === "1";
const verifier = createRemoteVerifier({
  jwksUrl: `${gatehouse}/.well-known/jwks.json`,
  issuer: env("GATEHOUSE_ISSUER"),
  ...(subscribe
    ? { revocations: { clientId: env("CLIENT_ID"), clientSecret: env("CLIENT_SECRET") } }
    : {}),
});
await verifier.revocations?.caughtUpTo(0);

const guard = createExpressGuard(verifier, { describeRefusals: false });
const app = express();
app.get("/items", guard.require(["items"]), (request, response) => {
  response.json({ owner: guard.principal(request).subject });
});
// CPU time of this process so far (µs): the cost per request survives a busy machine better than
// the request rate does.
app.get("/cpu", (_request, response) => {
  const { user, system } = process.cpuUsage();
  response.json({ micros: user + system });
});
app.get("/state", (_request, response) => {
  response.json(verifier.revocations?.state() ?? null);
});
const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address() as AddressInfo; // a TCP listener always has an AddressInfo
  process.stdout.write(`${JSON.stringify({ msg: "listening", port: address.port })}\n`);
});
process.once("SIGTERM", async () => {
  await verifier.revocations?.close();
  // The bench's own keep-alive connections would hold close() open.
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
