// Compile-only: the resource-server guards hand out a typed principal without module augmentation.
import express from "express";
import Fastify from "fastify";
import { createExpressGuard } from "gatehouse-auth-guard/express";
import { createFastifyGuard } from "gatehouse-auth-guard/fastify";
import { type GatehouseEnv, requireGatehouseToken } from "gatehouse-auth-guard/hono";
import { createRemoteVerifier, type RemotePrincipal } from "gatehouse-auth-guard/remote-verifier";
import { Hono } from "hono";

const verifier = createRemoteVerifier({ jwksUrl: "http://127.0.0.1/jwks.json", issuer: "x" });

const hono = new Hono<GatehouseEnv>();
hono.get("/items", requireGatehouseToken(verifier, ["items"]), (c) => {
  const subject: string = c.var.gatehouse.subject;
  const scopes: readonly string[] = c.var.gatehouse.scopes;
  const expiresAt: number = c.var.gatehouse.claims.exp;
  // @ts-expect-error the principal is read-only
  c.var.gatehouse.subject = "someone else";
  return c.json({ subject, scopes, expiresAt });
});

const fastifyGuard = createFastifyGuard(verifier);
Fastify().get("/items", { preHandler: fastifyGuard.require(["items"]) }, async (request) => {
  const principal: RemotePrincipal = fastifyGuard.principal(request);
  // @ts-expect-error no property is added to the request itself
  request.gatehouse;
  return { subject: principal.subject };
});

const expressGuard = createExpressGuard(verifier);
express().get("/items", expressGuard.require(["items"]), (request, response) => {
  const issuer: string = expressGuard.principal(request).claims.iss;
  response.json({ issuer });
});

// @ts-expect-error HS256 cannot be verified from published keys
createRemoteVerifier({ jwksUrl: "http://127.0.0.1/", issuer: "x", algorithms: ["HS256"] });
