// GET /.well-known/jwks.json: the public signing keys (RFC 7517 JWK Set), for other services.
import { z } from "@hono/zod-openapi";
import type { PublishedJwk } from "gatehouse-auth-core/keys/key-material";
import type { OpenApiApp } from "../openapi.ts";
import { route } from "../route.ts";

/** Where the JWK Set is served. */
export const jwksPath = "/.well-known/jwks.json";

/** What the JWKS route needs: the keys to publish, public members only. */
export interface JwksRouteDeps {
  /** Empty when the service signs with a configured shared secret. */
  publicKeys(): Promise<readonly PublishedJwk[]>;
}

// Short, so a key rotated in reaches verifiers quickly; they also refetch on an unknown kid.
const cacheControl = "public, max-age=60";

const jwkSchema = z
  .object({
    kty: z.enum(["OKP", "EC"]),
    crv: z.enum(["Ed25519", "P-256"]),
    x: z.string(),
    y: z.string().optional(),
    kid: z.string(),
    alg: z.enum(["EdDSA", "ES256"]),
    use: z.literal("sig"),
  })
  .openapi("JsonWebKey");

const jwksSchema = z.object({ keys: z.array(jwkSchema) }).openapi("JsonWebKeySet");

/** Mounts `GET /.well-known/jwks.json`, answering `{"keys": [...]}` with a short max-age. */
export function mountJwksRoute(app: OpenApiApp, deps: JwksRouteDeps): void {
  route(
    app,
    {
      method: "get",
      path: jwksPath,
      summary: "The public keys that verify access tokens (JWK Set)",
      tags: ["discovery"],
      responses: {
        200: {
          description: "Every key that verifies tokens now; never a private key or shared secret",
          content: { "application/jwk-set+json": { schema: jwksSchema } },
        },
      },
    },
    async (c) => {
      const keys = await deps.publicKeys();
      // Re-parsed through the public schema: whatever the source, no `d` or `k` member leaves.
      const body = jwksSchema.parse({ keys });
      return c.body(JSON.stringify(body), 200, {
        "Content-Type": "application/jwk-set+json",
        "Cache-Control": cacheControl,
      });
    },
  );
}
