// The behaviour every adapter of the authorization code flow's ports promises — login sessions,
// consents, authorization codes, and refresh families bound to a client; each adapter's test
// runs these suites.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { NewAuthorizationCode } from "gatehouse-auth-core/authorization/authorization-codes";
import type { LoginSessionRecord } from "gatehouse-auth-core/authorization/login-sessions";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";

const start = Date.UTC(2025, 0, 1);
const hash = "$argon2id$v=19$m=19456,t=2,p=1$test" as PasswordHash;

function session(sessionHash: string, username = "alice"): LoginSessionRecord {
  return {
    sessionHash,
    username,
    createdAt: start,
    expiresAt: start + 3600_000,
    lastSeenAt: start,
  };
}

function code(codeHash: string, username = "alice"): NewAuthorizationCode {
  return {
    codeHash,
    clientId: "spa",
    redirectUri: "https://app.example/callback",
    codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    scopes: ["me", "items"],
    username,
    authTime: start - 1000,
    createdAt: start,
    expiresAt: start + 60_000,
  };
}

const issued = (n: number) => ({
  familyId: `family-${n}`,
  accessTokenId: `jti-${n}`,
  accessTokenExpiresAt: start + 1_800_000,
});

/**
 * Registers the contracts of the login session, consent and authorization code ports as
 * `describe` blocks under `name`. `makeStore` must return a new, empty store.
 */
export function describeAuthorizationContracts(
  name: string,
  makeStore: (clock: Clock) => Promise<Store>,
): void {
  let store: Store;
  const setUp = () => {
    beforeEach(async () => {
      store = await makeStore(createFixedClock(start));
      await store.users.createUser({ username: "alice", passwordHash: hash });
      await store.users.createUser({ username: "bob", passwordHash: hash });
    });
    afterEach(async () => {
      await store.close();
    });
  };

  describe(`${name}: login sessions`, () => {
    setUp();

    it("finds a stored session by its hash, as stored", async () => {
      await store.loginSessions.createLoginSession(session("s1"));

      assert.deepEqual(await store.loginSessions.findLoginSession("s1"), session("s1"));
      assert.equal(await store.loginSessions.findLoginSession("s2"), undefined);
    });

    it("records when a session was last seen", async () => {
      await store.loginSessions.createLoginSession(session("s1"));

      await store.loginSessions.touchLoginSession("s1", start + 5000);

      assert.equal((await store.loginSessions.findLoginSession("s1"))?.lastSeenAt, start + 5000);
    });

    it("ends a session on delete, once", async () => {
      await store.loginSessions.createLoginSession(session("s1"));

      assert.equal(await store.loginSessions.deleteLoginSession("s1"), true);
      assert.equal(await store.loginSessions.deleteLoginSession("s1"), false);
      assert.equal(await store.loginSessions.findLoginSession("s1"), undefined);
    });

    it("purges only the sessions that ended", async () => {
      await store.loginSessions.createLoginSession(session("old"));
      await store.loginSessions.createLoginSession({
        ...session("new"),
        expiresAt: start + 7200_000,
      });

      assert.equal(await store.loginSessions.purgeLoginSessions(start + 3600_000), 1);
      assert.equal(await store.loginSessions.findLoginSession("old"), undefined);
      assert.notEqual(await store.loginSessions.findLoginSession("new"), undefined);
    });

    it("refuses a session of an unknown user", async () => {
      await assert.rejects(store.loginSessions.createLoginSession(session("s1", "nobody")), {
        name: "AuthError",
        code: "user_not_found",
      });
    });

    it("drops the sessions of a deleted user", async () => {
      await store.loginSessions.createLoginSession(session("s1"));

      await store.users.deleteUser("alice");

      assert.equal(await store.loginSessions.findLoginSession("s1"), undefined);
    });
  });

  describe(`${name}: consents`, () => {
    setUp();
    const consent = { username: "alice", clientId: "spa", scopes: ["me"], grantedAt: start };

    it("finds a saved consent, and nothing for another user or client", async () => {
      await store.consents.saveConsent(consent);

      assert.deepEqual(await store.consents.findConsent("alice", "spa"), consent);
      assert.equal(await store.consents.findConsent("bob", "spa"), undefined);
      assert.equal(await store.consents.findConsent("alice", "other"), undefined);
    });

    it("replaces a user's earlier consent to the same client", async () => {
      await store.consents.saveConsent(consent);

      await store.consents.saveConsent({
        ...consent,
        scopes: ["me", "items"],
        grantedAt: start + 1,
      });

      assert.deepEqual(await store.consents.listConsents("alice"), [
        { ...consent, scopes: ["me", "items"], grantedAt: start + 1 },
      ]);
    });

    it("lists one user's consents ordered by client id", async () => {
      await store.consents.saveConsent({ ...consent, clientId: "zeta" });
      await store.consents.saveConsent({ ...consent, clientId: "alpha" });
      await store.consents.saveConsent({ ...consent, username: "bob" });

      const listed = await store.consents.listConsents("alice");

      assert.deepEqual(
        listed.map((c) => c.clientId),
        ["alpha", "zeta"],
      );
    });

    it("revokes a consent once", async () => {
      await store.consents.saveConsent(consent);

      assert.equal(await store.consents.revokeConsent("alice", "spa"), true);
      assert.equal(await store.consents.revokeConsent("alice", "spa"), false);
      assert.equal(await store.consents.findConsent("alice", "spa"), undefined);
    });

    it("keeps an empty scope list as empty", async () => {
      await store.consents.saveConsent({ ...consent, scopes: [] });

      assert.deepEqual((await store.consents.findConsent("alice", "spa"))?.scopes, []);
    });

    it("refuses a consent of an unknown user and drops a deleted user's", async () => {
      await store.consents.saveConsent(consent);
      await assert.rejects(store.consents.saveConsent({ ...consent, username: "nobody" }), {
        code: "user_not_found",
      });

      await store.users.deleteUser("alice");

      assert.deepEqual(await store.consents.listConsents("alice"), []);
    });
  });

  describe(`${name}: authorization codes`, () => {
    setUp();

    it("finds a stored code, unused", async () => {
      await store.authorizationCodes.createAuthorizationCode(code("c1"));

      assert.deepEqual(await store.authorizationCodes.findAuthorizationCode("c1"), {
        ...code("c1"),
        usedAt: null,
        issued: null,
      });
      assert.equal(await store.authorizationCodes.findAuthorizationCode("c2"), undefined);
    });

    it("redeems a code once and records what it issued", async () => {
      await store.authorizationCodes.createAuthorizationCode(code("c1"));

      const first = await store.authorizationCodes.redeemAuthorizationCode(
        "c1",
        start + 1,
        issued(1),
      );
      const second = await store.authorizationCodes.redeemAuthorizationCode(
        "c1",
        start + 2,
        issued(2),
      );

      assert.equal(first, true);
      assert.equal(second, false);
      const record = await store.authorizationCodes.findAuthorizationCode("c1");
      assert.equal(record?.usedAt, start + 1);
      assert.deepEqual(record?.issued, issued(1));
    });

    it("does not redeem an expired or unknown code", async () => {
      await store.authorizationCodes.createAuthorizationCode(code("c1"));

      assert.equal(
        await store.authorizationCodes.redeemAuthorizationCode("c1", start + 60_000, issued(1)),
        false,
      );
      assert.equal(
        await store.authorizationCodes.redeemAuthorizationCode("nope", start, issued(1)),
        false,
      );
      assert.equal((await store.authorizationCodes.findAuthorizationCode("c1"))?.usedAt, null);
    });

    it("lets exactly one of many simultaneous redemptions win, in 60 trials", async () => {
      for (let trial = 0; trial < 60; trial++) {
        await store.authorizationCodes.createAuthorizationCode(code(`race-${trial}`));

        const outcomes = await Promise.all(
          [1, 2, 3, 4].map((n) =>
            store.authorizationCodes.redeemAuthorizationCode(`race-${trial}`, start + 1, issued(n)),
          ),
        );

        assert.equal(outcomes.filter(Boolean).length, 1, `trial ${trial}`);
      }
    });

    it("purges expired codes, used or not, and keeps live ones", async () => {
      await store.authorizationCodes.createAuthorizationCode(code("old"));
      await store.authorizationCodes.createAuthorizationCode({
        ...code("new"),
        expiresAt: start + 120_000,
      });
      await store.authorizationCodes.redeemAuthorizationCode("old", start + 1, issued(1));

      assert.equal(await store.authorizationCodes.purgeAuthorizationCodes(start + 60_001), 1);
      assert.equal(await store.authorizationCodes.findAuthorizationCode("old"), undefined);
      assert.notEqual(await store.authorizationCodes.findAuthorizationCode("new"), undefined);
    });

    it("refuses a code of an unknown user and drops a deleted user's", async () => {
      await store.authorizationCodes.createAuthorizationCode(code("c1"));
      await assert.rejects(store.authorizationCodes.createAuthorizationCode(code("c2", "nobody")), {
        code: "user_not_found",
      });

      await store.users.deleteUser("alice");

      assert.equal(await store.authorizationCodes.findAuthorizationCode("c1"), undefined);
    });
  });

  describe(`${name}: refresh families bound to a client`, () => {
    setUp();

    it("keeps the client a family was issued to, and null for none", async () => {
      const family = (familyId: string, clientId?: string) => ({
        familyId,
        username: "alice",
        scopes: ["me"],
        createdAt: start,
        expiresAt: start + 3600_000,
        token: { tokenHash: `${familyId}-0`, issuedAt: start, expiresAt: start + 3600_000 },
        clientId: clientId ?? null,
      });
      await store.refreshTokens.createRefreshFamily(family("bound", "spa"));
      await store.refreshTokens.createRefreshFamily(family("free"));

      assert.equal((await store.refreshTokens.findRefreshToken("bound-0"))?.clientId, "spa");
      assert.equal((await store.refreshTokens.findRefreshToken("free-0"))?.clientId, null);
    });
  });
}
