// Two Gatehouse instances on one SQLite file: a rotation on one is honoured by the other.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createSigner } from "fast-jwt";
import { createApp } from "gatehouse-auth/http/app";
import type { OpenApiApp } from "gatehouse-auth/http/openapi";
import { composeServices, type Services } from "gatehouse-auth/service/compose";
import { loadSettings } from "gatehouse-auth/service/config";
import { createLogger } from "gatehouse-auth/telemetry/logger";
import { createFixedClock } from "gatehouse-auth-core/clock";
import { rotateSigningKey } from "gatehouse-auth-core/keys/key-rotation";
import { peekKeyId } from "gatehouse-auth-core/keys/token-keys";
import { createFastHasher } from "../fixtures/fast-hasher.ts";

interface Instance {
  readonly services: Services;
  readonly app: OpenApiApp;
}

const lifetimeSeconds = 600;

describe("key rotation across instances sharing a database", () => {
  let dir: string;
  const clock = createFixedClock(Date.UTC(2026, 0, 1));
  let a: Instance;
  let b: Instance;
  let log = "";
  const logger = createLogger("debug", (line) => {
    log += line;
  });

  const open = async (env: Record<string, string> = {}): Promise<Instance> => {
    const settings = loadSettings({
      ...env,
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, "gatehouse.db")}`,
      GATEHOUSE_DEMO: "true",
      GATEHOUSE_ACCESS_TOKEN_LIFETIME: String(lifetimeSeconds),
      // Long enough to accept the far-exp token below until its key retires.
      GATEHOUSE_MAX_TOKEN_LIFETIME_SECONDS: "86400",
      GATEHOUSE_LOG_LEVEL: "silent",
    });
    const services = await composeServices(settings, {
      clock,
      hasher: createFastHasher(),
      logger,
    });
    const app = createApp(services);
    return { services, app };
  };
  const login = async (instance: Instance): Promise<string> => {
    const form = new URLSearchParams({ username: "johndoe", password: "secret" });
    const response = await instance.app.request("/token", { method: "POST", body: form });
    return ((await response.json()) as { access_token: string }).access_token;
  };
  const me = async (instance: Instance, token: string): Promise<Response> =>
    await instance.app.request("/users/me/", { headers: { authorization: `Bearer ${token}` } });
  const jwksKids = async (instance: Instance): Promise<unknown[]> => {
    const body = (await (await instance.app.request("/.well-known/jwks.json")).json()) as {
      keys: { kid: string }[];
    };
    return body.keys.map((key) => key.kid);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-rotation-"));
    a = await open();
    b = await open();
  });
  after(async () => {
    await a.services.close();
    await b.services.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("agrees on one EdDSA key at first start", async () => {
    const [fromA, fromB] = [await login(a), await login(b)];

    assert.equal(peekKeyId(fromA), peekKeyId(fromB));
    assert.equal((await me(b, fromA)).status, 200);
    assert.deepEqual(await jwksKids(a), await jwksKids(b));
  });

  it("honours on B a key rotated in elsewhere, while A's older tokens keep working", async () => {
    const old = await login(a);
    const [first] = await a.services.store.signingKeys.listSigningKeys();
    const { key, previousRetireAt } = await rotateSigningKey(
      { store: a.services.store.signingKeys, clock },
      { algorithm: "EdDSA", tokenLifetimeSeconds: lifetimeSeconds },
    );
    clock.advance(1000);
    await jwksKids(a); // serving the JWKS re-reads the keys: A now signs with the new one

    const fresh = await login(a);

    assert.equal(peekKeyId(fresh), key.kid);
    assert.equal((await me(b, fresh)).status, 200, "B learns the new kid on first sight");
    assert.equal((await me(b, old)).status, 200, "the superseded key still verifies");
    assert.deepEqual(await jwksKids(b), [key.kid, first?.kid]);
    assert.equal(previousRetireAt, clock.now() - 1000 + (lifetimeSeconds + 90) * 1000);
  });

  it("refuses, once retired, even a token the old private key signs with a far exp", async () => {
    const keys = await a.services.store.signingKeys.listSigningKeys();
    const retiring = keys.find((key) => key.retiresAt !== null);
    assert.ok(retiring !== undefined && retiring.retiresAt !== null);
    const now = Math.floor(clock.now() / 1000);
    const forged = createSigner({
      key: retiring.secret,
      algorithm: "EdDSA",
      kid: retiring.kid,
      header: { alg: "EdDSA", typ: "at+jwt" },
    })({
      sub: "johndoe",
      iat: now,
      exp: now + 86_400,
      jti: "x",
      scope: "me",
      iss: b.services.settings.issuer,
      aud: b.services.settings.audience,
    });
    assert.equal((await me(b, forged)).status, 200, "still verifying before retirement");

    clock.advance(retiring.retiresAt - clock.now());

    const refused = await me(b, forged);
    assert.equal(refused.status, 401);
    assert.equal(
      refused.headers.get("www-authenticate"),
      'Bearer error="invalid_token", scope="me"',
    );
    assert.equal((await me(a, forged)).status, 401);
    assert.deepEqual(await jwksKids(b), [keys.find((key) => key.retiresAt === null)?.kid]);
  });

  it("keeps signing with the stored key when started with another algorithm, and says so", async () => {
    const es = await open({ GATEHOUSE_SIGNING_ALGORITHM: "ES256" });

    const token = await login(es);

    const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString());
    assert.equal(header.alg, "EdDSA");
    assert.match(log, /"msg":"the active signing key uses another algorithm than configured"/);
    await es.services.close();
  });

  it("never wrote key material to the log", async () => {
    const keys = await a.services.store.signingKeys.listSigningKeys();

    assert.ok(log.includes('"msg":"request"'), "the log did record the requests");
    assert.doesNotMatch(log, /PRIVATE KEY/);
    for (const key of keys) {
      const body = key.secret.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, "");
      assert.equal(log.includes(body.slice(0, 40)), false);
    }
  });

  it("refuses a token naming a kid no instance ever had", async () => {
    const token = await login(a);
    const [header, payload, signature] = token.split(".");
    const decoded = JSON.parse(Buffer.from(header ?? "", "base64url").toString());
    const renamed = Buffer.from(JSON.stringify({ ...decoded, kid: "no-such-key" })).toString(
      "base64url",
    );

    const response = await me(b, `${renamed}.${payload}.${signature}`);

    assert.equal(response.status, 401);
  });
});
