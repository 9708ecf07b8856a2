// The resource server of the revocation bench: Express with the toolkit guard, following
// Gatehouse's security events when SUBSCRIBE=1. Prints one JSON line once it listens (and, when
// subscribed, has caught up); serves GET /items (scope items) and GET /state.
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
app.get("/state", (_request, response) => {
  response.json(verifier.revocations?.state() ?? null);
});
const server = app.listen(0, "127.0.0.1", () => {
  const address = server.address() as AddressInfo; // a TCP listener always has an AddressInfo
  process.stdout.write(`${JSON.stringify({ msg: "listening", port: address.port })}\n`);
});
process.once("SIGTERM", () => {
  void verifier.revocations?.close().then(() => server.close(() => process.exit(0)));
});
