import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createFastHasher } from "../../../../test/fixtures/fast-hasher.ts";
import { seedScopes } from "../../../../test/fixtures/seed-scopes.ts";
import type { AuditEvent } from "../audit-log.ts";
import { createFixedClock } from "../clock.ts";
import { deriveKeyId } from "../keys/token-keys.ts";
import type { PasswordHash } from "../passwords/hasher.ts";
import { hashRefreshToken } from "../tokens/refresh-tokens.ts";
import { createTokenService } from "../tokens/tokens.ts";
import { createLoginThrottle } from "./throttle.ts";
import type { LoginOutcome, TokenOutcome } from "./token-endpoint.ts";
import { createTokenEndpoint } from "./token-endpoint.ts";

const start = Date.UTC(2025, 0, 1);
const facts = { clientAddress: "203.0.113.7", requestId: "req-1" };
const freeFailures = 2;
const rule = { freeFailures, baseDelayMs: 60_000, maxDelayMs: 600_000, windowMs: 3_600_000 };

describe("createTokenEndpoint (the toolkit's token endpoint, no HTTP)", () => {
  const hasher = createFastHasher();
  let passwordHash: PasswordHash;
  before(async () => {
    passwordHash = await hasher.hash("secret");
  });
  after(() => hasher.close());

  async function setup() {
    const clock = createFixedClock(start);
    const secret = randomBytes(32);
    const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
    const tokens = createTokenService({ key, scopes: seedScopes, clock });
    const store = createMemoryStore({ clock });
    await store.users.createUser({ username: "johndoe", passwordHash, scopes: ["me", "items"] });
    const logins: LoginOutcome[] = [];
    const endpoint = createTokenEndpoint({
      users: store.users,
      refreshTokens: store.refreshTokens,
      audit: store.audit,
      hasher,
      tokens,
      scopes: seedScopes,
      clock,
      refreshPolicy: {
        absoluteLifetimeSeconds: 86_400,
        idleLifetimeSeconds: 3600,
        reuseGraceSeconds: 10,
      },
      throttle: createLoginThrottle({
        store: store.throttle,
        clock,
        policy: { account: rule, address: rule },
      }),
      onLogin: (outcome) => logins.push(outcome),
    });
    const lastEvent = async (): Promise<AuditEvent | undefined> =>
      (await store.audit.list({ limit: 1 })).events[0];
    const logIn = (password = "secret") =>
      endpoint.handle({ grantType: "password", username: "johndoe", password }, facts);
    const refresh = (refreshToken: string, scope?: string) =>
      endpoint.handle({ grantType: "refresh_token", refreshToken, scope }, facts);
    return { clock, store, tokens, endpoint, logins, lastEvent, logIn, refresh };
  }

  function refreshTokenOf(outcome: TokenOutcome): string {
    assert.ok(outcome.ok, "expected tokens");
    assert.ok(outcome.tokens.refreshToken !== undefined, "expected a refresh token");
    return outcome.tokens.refreshToken;
  }

  it("logs in with a memory store: an access token, a refresh token, login.succeeded", async () => {
    const { tokens, logIn, lastEvent, logins } = await setup();

    const outcome = await logIn();

    assert.ok(outcome.ok);
    assert.equal(tokens.verify(outcome.tokens.token).subject, "johndoe");
    assert.deepEqual(outcome.tokens.scopes, ["me", "items"]);
    refreshTokenOf(outcome);
    assert.deepEqual(logins, ["succeeded"]);
    const event = await lastEvent();
    assert.equal(event?.type, "login.succeeded");
    assert.equal(event?.subject, "johndoe");
    assert.equal(event?.actor, "johndoe");
    assert.equal(event?.clientAddress, "203.0.113.7");
    assert.equal(event?.requestId, "req-1");
    assert.equal(event?.reason, null);
  });

  it("answers a wrong password with the error, login.failed and the observer told", async () => {
    const { logIn, lastEvent, logins } = await setup();

    const outcome = await logIn("wrong");

    assert.equal(outcome.ok, false);
    assert.equal(outcome.ok ? undefined : outcome.error.code, "invalid_credentials");
    assert.deepEqual(logins, ["invalid_credentials"]);
    const event = await lastEvent();
    assert.equal(event?.type, "login.failed");
    assert.equal(event?.reason, "invalid_credentials");
    assert.equal(event?.subject, "johndoe");
  });

  it("throttles the password grant once the free failures are used, and audits the lock once", async () => {
    const { logIn, lastEvent, logins, store, clock } = await setup();
    for (let i = 0; i < freeFailures; i++) await logIn("wrong");

    const outcome = await logIn();
    await logIn();

    assert.equal(outcome.ok ? undefined : outcome.error.code, "throttled");
    assert.ok(!outcome.ok && outcome.error.retryAfterSeconds !== undefined);
    assert.deepEqual(logins.slice(-2), ["throttled", "throttled"]);
    const event = await lastEvent();
    assert.equal(event?.type, "throttle.locked");
    assert.equal(event?.reason, "throttled");
    assert.deepEqual(event?.details, { retryAfterSeconds: 60 });
    assert.equal((await store.audit.list({ limit: 10, type: "throttle.locked" })).events.length, 1);

    clock.advance(60_000);
    await logIn("wrong");
    await logIn();
    assert.equal((await store.audit.list({ limit: 10, type: "throttle.locked" })).events.length, 2);
  });

  it("audits an unknown scope on a login as login.failed invalid_scope", async () => {
    const { endpoint, lastEvent } = await setup();

    const outcome = await endpoint.handle(
      { grantType: "password", username: "johndoe", password: "secret", scope: "admin" },
      facts,
    );

    assert.equal(outcome.ok ? undefined : outcome.error.code, "invalid_scope");
    assert.equal((await lastEvent())?.reason, "invalid_scope");
  });

  it("records no subject for a username outside the username rules", async () => {
    const { endpoint, lastEvent } = await setup();

    await endpoint.handle({ grantType: "password", username: "not a name!", password: "x" });

    const event = await lastEvent();
    assert.equal(event?.type, "login.failed");
    assert.equal(event?.subject, null);
    assert.equal(event?.actor, null);
    assert.equal(event?.clientAddress, null);
    assert.equal(event?.requestId, null);
  });

  it("audits a refresh as token.refreshed, naming the token's user", async () => {
    const { logIn, refresh, lastEvent, logins } = await setup();
    const login = refreshTokenOf(await logIn());

    const outcome = await refresh(login, "me");

    assert.ok(outcome.ok);
    assert.deepEqual(outcome.tokens.scopes, ["me"]);
    assert.notEqual(refreshTokenOf(outcome), login);
    assert.deepEqual(logins, ["succeeded"], "a refresh is not a login");
    const event = await lastEvent();
    assert.equal(event?.type, "token.refreshed");
    assert.equal(event?.subject, "johndoe");
    assert.equal(event?.actor, "johndoe");
    assert.equal(event?.clientAddress, "203.0.113.7");
    assert.equal(event?.requestId, "req-1");
    assert.equal(event?.reason, null);
    assert.deepEqual(event?.details, { retried: false });
  });

  it("audits a grace-window retry as token.refreshed with retried", async () => {
    const { logIn, refresh, lastEvent } = await setup();
    const login = refreshTokenOf(await logIn());
    await refresh(login);

    const retry = await refresh(login);

    assert.ok(retry.ok);
    assert.deepEqual((await lastEvent())?.details, { retried: true });
  });

  it("audits an unknown refresh token as token.refresh_failed with no subject", async () => {
    const { refresh, lastEvent } = await setup();

    const outcome = await refresh("A".repeat(43));

    assert.equal(outcome.ok ? undefined : outcome.error.code, "refresh_token_invalid");
    const event = await lastEvent();
    assert.equal(event?.type, "token.refresh_failed");
    assert.equal(event?.reason, "refresh_token_invalid");
    assert.equal(event?.subject, null);
  });

  it("audits a refresh by a disabled user as token.refresh_failed inactive_user, naming them", async () => {
    const { store, logIn, refresh, lastEvent } = await setup();
    const login = refreshTokenOf(await logIn());
    await store.users.updateUser("johndoe", { disabled: true });

    const outcome = await refresh(login);

    assert.equal(outcome.ok ? undefined : outcome.error.code, "inactive_user");
    const event = await lastEvent();
    assert.equal(event?.type, "token.refresh_failed");
    assert.equal(event?.reason, "inactive_user");
    assert.equal(event?.subject, "johndoe");
  });

  it("audits a widening or unknown scope on a refresh as token.refresh_failed invalid_scope", async () => {
    const { endpoint, refresh, lastEvent } = await setup();
    const next = refreshTokenOf(
      await endpoint.handle({
        grantType: "password",
        username: "johndoe",
        password: "secret",
        scope: "me",
      }),
    );

    const widened = await refresh(next, "me items");
    const widenedEvent = await lastEvent();
    const unknown = await refresh(next, "admin");
    const unknownEvent = await lastEvent();

    assert.equal(widened.ok ? undefined : widened.error.code, "invalid_scope");
    assert.equal(widenedEvent?.type, "token.refresh_failed");
    assert.equal(widenedEvent?.subject, "johndoe");
    assert.equal(unknown.ok ? undefined : unknown.error.code, "invalid_scope");
    assert.equal(unknownEvent?.type, "token.refresh_failed");
    assert.equal(unknownEvent?.subject, null);
  });

  it("audits a spent refresh token presented again as token.reuse_detected and revokes its family", async () => {
    const { clock, store, logIn, refresh, lastEvent } = await setup();
    const login = refreshTokenOf(await logIn());
    const next = refreshTokenOf(await refresh(login));
    clock.advance(11_000);

    const reuse = await refresh(login);

    assert.equal(reuse.ok ? undefined : reuse.error.code, "refresh_token_invalid");
    const event = await lastEvent();
    assert.equal(event?.type, "token.reuse_detected");
    assert.equal(event?.reason, "refresh_token_invalid");
    assert.equal(event?.subject, "johndoe");
    assert.equal(
      (await store.refreshTokens.findRefreshToken(hashRefreshToken(next)))?.familyRevoked,
      true,
    );
    const descendant = await refresh(next);
    assert.equal(descendant.ok, false);
    assert.equal((await lastEvent())?.type, "token.refresh_failed");
  });

  it("writes one audit event per request and never a password or token", async () => {
    const { store, logIn, refresh } = await setup();
    const login = refreshTokenOf(await logIn());
    await logIn("wrong");
    await refresh(login);
    await refresh(login.replace(/^./, "B"));

    const { events } = await store.audit.list({ limit: 10 });
    assert.equal(events.length, 4);
    const text = JSON.stringify(events);
    assert.ok(!text.includes("secret") && !text.includes("wrong") && !text.includes(login));
  });
});
