import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createTestClients } from "../../../../test/fixtures/test-clients.ts";
import { createFixedClock } from "../clock.ts";
import { createLoginThrottle } from "../grants/throttle.ts";
import { authenticateClient, clientSubject } from "./client-authentication.ts";

const start = Date.UTC(2026, 0, 1);

function setup() {
  const clock = createFixedClock(start);
  const clients = createTestClients(
    { clientId: "backend", secret: "s3cret", scopes: ["introspect"] },
    { clientId: "spa", grantTypes: ["password"], firstParty: true },
    {
      clientId: "rotated",
      secret: "new",
      previousSecret: "old",
      previousSecretExpiresAt: start + 1000,
    },
  );
  const rule = { freeFailures: 2, baseDelayMs: 60_000, maxDelayMs: 600_000, windowMs: 3_600_000 };
  const throttle = createLoginThrottle({
    store: createMemoryStore({ clock }).throttle,
    clock,
    policy: { account: rule, address: rule },
  });
  return { clock, clients, deps: { clients, clock, throttle } };
}

const post = (clientId: string, secret: string) =>
  ({ kind: "secret", method: "client_secret_post", clientId, secret }) as const;

describe("authenticateClient", () => {
  it("authenticates a confidential client by its secret", async () => {
    const { deps } = setup();

    const who = await authenticateClient(deps, post("backend", "s3cret"));

    assert.equal(who?.client.clientId, "backend");
    assert.equal(who?.method, "client_secret_post");
  });

  it("answers undefined when no client was presented", async () => {
    const { deps } = setup();

    assert.equal(await authenticateClient(deps, { kind: "none" }), undefined);
  });

  it("refuses a wrong secret, an unknown client and a disabled one alike with invalid_client", async () => {
    const { deps, clients } = setup();
    clients.add({ clientId: "off", secret: "pw", disabled: true });

    for (const attempt of [post("backend", "wrong"), post("ghost", "pw"), post("off", "pw")]) {
      await assert.rejects(authenticateClient(deps, attempt), { code: "invalid_client" });
    }
  });

  it("refuses a public client presenting a secret with invalid_request", async () => {
    const { deps } = setup();

    await assert.rejects(authenticateClient(deps, post("spa", "anything")), {
      code: "invalid_request",
    });
  });

  it("accepts a public client by its id alone, and refuses a confidential one so", async () => {
    const { deps } = setup();

    const spa = await authenticateClient(deps, { kind: "id", clientId: "spa" });
    assert.equal(spa?.method, "none");
    await assert.rejects(authenticateClient(deps, { kind: "id", clientId: "backend" }), {
      code: "invalid_client",
    });
  });

  it("reads an unregistered id as no client only when asked to", async () => {
    const { deps } = setup();
    const ghost = { kind: "id", clientId: "ghost" } as const;

    assert.equal(
      await authenticateClient(deps, ghost, { unknownIdMeansNoClient: true }),
      undefined,
    );
    await assert.rejects(authenticateClient(deps, ghost), { code: "invalid_client" });
  });

  it("accepts the previous secret only until its grace ends", async () => {
    const { deps, clock } = setup();

    assert.ok(await authenticateClient(deps, post("rotated", "old")));
    clock.advance(1000);
    await assert.rejects(authenticateClient(deps, post("rotated", "old")), {
      code: "invalid_client",
    });
    assert.ok(await authenticateClient(deps, post("rotated", "new")));
  });

  it("throttles failed secrets under the client's key, then refuses even the right one", async () => {
    const { deps } = setup();

    for (let i = 0; i < 3; i += 1) {
      await authenticateClient(deps, post("backend", "wrong")).catch(() => undefined);
    }

    await assert.rejects(authenticateClient(deps, post("backend", "s3cret")), {
      code: "throttled",
    });
  });
});

describe("clientSubject", () => {
  it("prefixes client: so no username (which cannot hold a colon) can collide", () => {
    assert.equal(clientSubject("backend"), "client:backend");
  });
});
