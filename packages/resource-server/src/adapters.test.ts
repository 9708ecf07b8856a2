import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import express from "express";
import Fastify from "fastify";
import { createFixedClock } from "gatehouse-auth-core/clock";
import {
  generateSigningKey,
  publishedJwk,
  toTokenKey,
} from "gatehouse-auth-core/keys/key-material";
import { createScopeCatalogue, seedScopeDescriptions } from "gatehouse-auth-core/scopes";
import { createTokenService } from "gatehouse-auth-core/tokens/tokens";
import { Hono } from "hono";
import {
  createExpressGuard,
  serveProtectedResourceMetadata as expressMetadata,
} from "./express.ts";
import {
  createFastifyGuard,
  serveProtectedResourceMetadata as fastifyMetadata,
} from "./fastify.ts";
import {
  type GatehouseEnv,
  serveProtectedResourceMetadata as honoMetadata,
  requireGatehouseToken,
} from "./hono.ts";
import { createProtectedResource } from "./protected-resource.ts";
import { createRemoteVerifier, type RemoteVerifier } from "./remote-verifier.ts";

const start = Date.UTC(2025, 0, 1);
const issuer = "https://gatehouse.test";
const scopes = createScopeCatalogue(seedScopeDescriptions);
const key = generateSigningKey("EdDSA", start);
const clock = createFixedClock(start);
const tokens = createTokenService({ key: toTokenKey(key), scopes, clock, issuer });
const verifier = createRemoteVerifier({
  jwksUrl: "https://gatehouse.test/.well-known/jwks.json",
  issuer,
  clock,
  fetch: async () => Response.json({ keys: [publishedJwk(key)] }),
});
const quiet = { describeRefusals: false };
const resource = createProtectedResource({
  resource: "https://api.example.test/api",
  authorizationServers: [issuer],
  scopesSupported: ["items"],
  resourceName: "Example API",
});
const pointing = { resourceMetadataUrl: resource.metadataUrl };
const metadataUrl = "https://api.example.test/.well-known/oauth-protected-resource/api";
const broken: RemoteVerifier = {
  verify: () => Promise.reject(new Error("verifier bug")),
};
const withItems = `Bearer ${tokens.issue("johndoe", scopes.check(["me", "items"])).token}`;
const withoutItems = `Bearer ${tokens.issue("johndoe", scopes.check(["me"])).token}`;

interface Answer {
  status: number;
  challenge: string | null;
  body: unknown;
}

/** The same table of requests, run against each framework. */
function describeAdapter(
  name: string,
  request: (path: string, authorization?: string) => Promise<Answer>,
) {
  describe(name, () => {
    it("answers 401 with a bare Bearer challenge without a token", async () => {
      const answer = await request("/items");

      assert.deepEqual(answer, {
        status: 401,
        challenge: "Bearer",
        body: { detail: "Not authenticated" },
      });
    });

    it("answers 401 invalid_token for a bad token", async () => {
      const answer = await request("/items", "Bearer not.a.token");

      assert.equal(answer.status, 401);
      assert.equal(
        answer.challenge,
        'Bearer error="invalid_token", error_description="token names no signing key this verifier accepts", scope="items"',
      );
    });

    it("answers a bare invalid_token on a guard told not to describe refusals", async () => {
      const answer = await request("/quiet", "Bearer not.a.token");

      assert.equal(answer.challenge, 'Bearer error="invalid_token"');
    });

    it("answers 401 for a malformed Authorization header", async () => {
      const answer = await request("/items", "Bearer ###");

      assert.equal(answer.status, 401);
    });

    it("answers 403 insufficient_scope for a token without the scope", async () => {
      const answer = await request("/items", withoutItems);

      assert.deepEqual(answer, {
        status: 403,
        challenge:
          'Bearer error="insufficient_scope", error_description="the token lacks a required scope", scope="items"',
        body: { detail: "Not enough permissions" },
      });
    });

    it("lets the right token through with a typed principal", async () => {
      const answer = await request("/items", withItems);

      assert.deepEqual(answer, {
        status: 200,
        challenge: null,
        body: { owner: "johndoe", scopes: ["me", "items"] },
      });
    });

    it("admits any valid token on a route needing no scope", async () => {
      const answer = await request("/any", withoutItems);

      assert.equal(answer.status, 200);
    });

    it("serves the RFC 9728 metadata at the well-known path derived from the resource", async () => {
      const answer = await request("/.well-known/oauth-protected-resource/api");

      assert.deepEqual(answer, {
        status: 200,
        challenge: null,
        body: {
          resource: "https://api.example.test/api",
          authorization_servers: [issuer],
          bearer_methods_supported: ["header"],
          scopes_supported: ["items"],
          resource_name: "Example API",
        },
      });
    });

    it("points a request without a token to the metadata (RFC 9728 §5.1)", async () => {
      const answer = await request("/pointing");

      assert.equal(answer.status, 401);
      assert.equal(answer.challenge, `Bearer resource_metadata="${metadataUrl}"`);
    });

    it("adds resource_metadata to an invalid_token challenge", async () => {
      const answer = await request("/pointing", "Bearer not.a.token");

      assert.equal(
        answer.challenge,
        `Bearer error="invalid_token", scope="items", resource_metadata="${metadataUrl}"`,
      );
    });

    it("adds resource_metadata to an insufficient_scope challenge", async () => {
      const answer = await request("/pointing", withoutItems);

      assert.equal(answer.status, 403);
      assert.equal(
        answer.challenge,
        `Bearer error="insufficient_scope", scope="items", resource_metadata="${metadataUrl}"`,
      );
    });

    it("answers 500, not a leak, when the verifier itself fails", async () => {
      const answer = await request("/broken", withItems);

      assert.equal(answer.status, 500);
      assert.doesNotMatch(JSON.stringify(answer.body), /verifier bug/);
    });

    it("refuses to hand out a principal on a route without a guard", async () => {
      const answer = await request("/unguarded", withItems);

      assert.equal(answer.status, 500);
    });
  });
}

async function fromFetch(response: Response): Promise<Answer> {
  const text = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate"),
    body: text === "" ? null : JSON.parse(text),
  };
}

const hono = new Hono<GatehouseEnv>();
hono.get("/items", requireGatehouseToken(verifier, ["items"]), (c) =>
  c.json({ owner: c.var.gatehouse.subject, scopes: c.var.gatehouse.scopes }),
);
hono.get("/any", requireGatehouseToken(verifier), (c) =>
  c.json({ owner: c.var.gatehouse.subject }),
);
hono.get("/quiet", requireGatehouseToken(verifier, [], quiet), (c) => c.json({}));
hono.get("/pointing", requireGatehouseToken(verifier, ["items"], { ...quiet, ...pointing }), (c) =>
  c.json({}),
);
hono.get(resource.metadataPath, honoMetadata(resource));
hono.get("/broken", requireGatehouseToken(broken, ["items"]), (c) => c.json({}));
hono.get("/unguarded", (c) => c.json({ owner: c.var.gatehouse.subject.length }));
hono.onError((_error, c) => c.json({ detail: "Internal Server Error" }, 500));

describeAdapter("the Hono guard", async (path, authorization) =>
  fromFetch(
    await hono.request(path, authorization === undefined ? {} : { headers: { authorization } }),
  ),
);

const fastifyGuard = createFastifyGuard(verifier);
const fastifyBroken = createFastifyGuard(broken);
const fastifyQuiet = createFastifyGuard(verifier, quiet);
const fastifyPointing = createFastifyGuard(verifier, { ...quiet, ...pointing });
const fastify = Fastify();
fastify.get("/items", { preHandler: fastifyGuard.require(["items"]) }, async (request) => {
  const principal = fastifyGuard.principal(request);
  return { owner: principal.subject, scopes: principal.scopes };
});
fastify.get("/any", { preHandler: fastifyGuard.require() }, async (request) => ({
  owner: fastifyGuard.principal(request).subject,
}));
fastify.get("/quiet", { preHandler: fastifyQuiet.require() }, async () => ({}));
fastify.get("/pointing", { preHandler: fastifyPointing.require(["items"]) }, async () => ({}));
fastify.get(resource.metadataPath, fastifyMetadata(resource));
fastify.get("/broken", { preHandler: fastifyBroken.require(["items"]) }, async () => ({}));
fastify.get("/unguarded", async (request) => ({ owner: fastifyGuard.principal(request).subject }));
fastify.setErrorHandler(async (_error, _request, reply) => {
  await reply.code(500).send({ detail: "Internal Server Error" });
});

describeAdapter("the Fastify guard", async (path, authorization) => {
  const response = await fastify.inject({
    method: "GET",
    url: path,
    headers: authorization === undefined ? {} : { authorization },
  });
  const challenge = response.headers["www-authenticate"];
  return {
    status: response.statusCode,
    challenge: typeof challenge === "string" ? challenge : null,
    body: response.body === "" ? null : JSON.parse(response.body),
  };
});

const expressGuard = createExpressGuard(verifier);
const expressBroken = createExpressGuard(broken);
const expressQuiet = createExpressGuard(verifier, quiet);
const expressPointing = createExpressGuard(verifier, { ...quiet, ...pointing });
const expressApp = express();
expressApp.get("/items", expressGuard.require(["items"]), (request, response) => {
  const principal = expressGuard.principal(request);
  response.json({ owner: principal.subject, scopes: principal.scopes });
});
expressApp.get("/any", expressGuard.require(), (request, response) => {
  response.json({ owner: expressGuard.principal(request).subject });
});
expressApp.get("/quiet", expressQuiet.require(), (_request, response) => {
  response.json({});
});
expressApp.get("/pointing", expressPointing.require(["items"]), (_request, response) => {
  response.json({});
});
expressApp.get(resource.metadataPath, expressMetadata(resource));
expressApp.get("/broken", expressBroken.require(["items"]), (_request, response) => {
  response.json({});
});
expressApp.get("/unguarded", (request, response) => {
  response.json({ owner: expressGuard.principal(request).subject });
});
expressApp.use(
  (
    _error: unknown,
    _request: express.Request,
    response: express.Response,
    _next: express.NextFunction,
  ) => {
    response.status(500).json({ detail: "Internal Server Error" });
  },
);

let expressUrl = "";
const expressServer = expressApp.listen(0, "127.0.0.1");
before(async () => {
  await new Promise<void>((resolve) => {
    if (expressServer.listening) resolve();
    else expressServer.once("listening", () => resolve());
  });
  expressUrl = `http://127.0.0.1:${(expressServer.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise((resolve) => expressServer.close(resolve));
  await fastify.close();
});

describeAdapter("the Express guard", async (path, authorization) =>
  fromFetch(
    await fetch(
      `${expressUrl}${path}`,
      authorization === undefined ? {} : { headers: { authorization } },
    ),
  ),
);
