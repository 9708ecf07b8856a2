// Every port refuses a string holding a NUL character, in any field it writes or looks up, with
// invalid_input and without writing anything (issue 16): PostgreSQL cannot store one, so no store
// may accept one either.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { Awaitable } from "gatehouse-auth-core/awaitable";
import type { NewClient } from "gatehouse-auth-core/clients/client";
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { AttemptSettlement, ThrottleRule } from "gatehouse-auth-core/grants/throttle-store";
import type { SigningKeyRecord } from "gatehouse-auth-core/keys/signing-keys";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import type { Store } from "gatehouse-auth-core/ports";
import type { NewRefreshFamily } from "gatehouse-auth-core/tokens/refresh-tokens";

const start = Date.UTC(2025, 0, 1);
const invalidInput = { name: "AuthError", code: "invalid_input" } as const;

// Stores never inspect a hash, so any non-empty string stands in for a hasher's output here.
const hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA" as PasswordHash;

/** One call of a port method with valid arguments, whose every string gets a NUL in turn. */
interface PortCall {
  readonly method: string;
  readonly args: readonly unknown[];
  run(store: Store, args: readonly unknown[]): Awaitable<unknown>;
}

function call<const A extends readonly unknown[]>(
  method: string,
  args: A,
  run: (store: Store, ...args: A) => Awaitable<unknown>,
): PortCall {
  // The variants keep the shape of `args` (only strings change), so they are still an A.
  return { method, args, run: (store, variant) => run(store, ...(variant as A)) };
}

/** A copy of `value` for each string in it (values and keys), that string holding a NUL. */
function variantsOf(value: unknown, at = ""): { at: string; value: unknown }[] {
  if (typeof value === "string") {
    return [
      { at, value: `${value}\u0000` },
      { at: `${at} (leading)`, value: `\u0000${value}` },
    ];
  }
  if (Array.isArray(value)) {
    return value.flatMap((item, index) =>
      variantsOf(item, `${at}[${index}]`).map((variant) => {
        const copy = [...value];
        copy[index] = variant.value;
        return { at: variant.at, value: copy };
      }),
    );
  }
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, field]) =>
      variantsOf(field, `${at}.${key}`).map((variant) => ({
        at: variant.at,
        value: { ...value, [key]: variant.value },
      })),
    );
  }
  return [];
}

const settlement: AttemptSettlement = "failed";
const rule: ThrottleRule = { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 60_000, windowMs: 1 };

function family(familyId: string, tokenHash: string): NewRefreshFamily {
  return {
    familyId,
    username: "alice",
    scopes: ["me"],
    clientId: null,
    createdAt: start,
    expiresAt: start + 3_600_000,
    token: { tokenHash, issuedAt: start, expiresAt: start + 3_600_000 },
  };
}

const key: SigningKeyRecord = {
  kid: "k2",
  algorithm: "HS256",
  secret: "a-secret-of-thirty-two-bytes-or-more-0123456789",
  publicJwk: null,
  createdAt: start,
  activatedAt: start,
  retiresAt: null,
};

const client: NewClient = {
  clientId: "c2",
  name: "Second",
  type: "confidential",
  secretHash: "secret-hash",
  grantTypes: ["client_credentials"],
  scopes: ["me"],
  redirectUris: ["https://app.example/callback"],
  audiences: ["https://api.example"],
  firstParty: false,
};

const successor = { tokenHash: "successor", issuedAt: start, expiresAt: start + 1000 };

// Each port's calls: every method taking a string, with arguments that would otherwise succeed
// (or look something up) against the rows `prepare` made.
const portCalls: Readonly<Record<string, readonly PortCall[]>> = {
  users: [
    call("findByUsername", ["alice"], (s, name) => s.users.findByUsername(name)),
    call("findByLogin", ["alice"], (s, name) => s.users.findByLogin(name)),
    call(
      "createUser",
      [
        {
          username: "bob",
          email: "bob@example.com",
          fullName: "Bob",
          scopes: ["me"],
          passwordHash: hash,
        },
      ],
      (s, user) => s.users.createUser(user),
    ),
    call(
      "updateUser",
      ["alice", { email: "a@example.com", fullName: "A", scopes: ["me"], passwordHash: hash }],
      (s, name, patch) => s.users.updateUser(name, patch),
    ),
    call("updateUser (guarded)", ["alice", {}, { keepActiveHolderOf: "users:write" }], (s, ...a) =>
      s.users.updateUser(...a),
    ),
    call("deleteUser", ["alice"], (s, name) => s.users.deleteUser(name)),
    call("upgradePasswordHash", ["alice", hash, `${hash}x`], (s, name, verified, upgraded) =>
      s.users.upgradePasswordHash(name, verified as PasswordHash, upgraded as PasswordHash),
    ),
  ],
  items: [
    call("listItems", ["alice"], (s, owner) => s.items.listItems(owner)),
    call("addItem", ["alice", "plumbus"], (s, owner, id) => s.items.addItem(owner, id)),
  ],
  directory: [
    call("queryUsers", [{ prefix: "a", after: "a", limit: 10 }], (s, query) =>
      s.directory.queryUsers(query),
    ),
  ],
  signingKeys: [
    call("ensureSigningKey", [key], (s, candidate) => s.signingKeys.ensureSigningKey(candidate)),
    call("rotateSigningKey", [key, start + 1000], (s, candidate, retiresAt) =>
      s.signingKeys.rotateSigningKey(candidate, retiresAt),
    ),
  ],
  refreshTokens: [
    call("createRefreshFamily", [family("f2", "t2")], (s, f) =>
      s.refreshTokens.createRefreshFamily(f),
    ),
    call("findRefreshToken", ["t1"], (s, tokenHash) => s.refreshTokens.findRefreshToken(tokenHash)),
    call("rotateRefreshToken", ["t1", successor, start], (s, ...a) =>
      s.refreshTokens.rotateRefreshToken(...a),
    ),
    call("retryRefreshToken", ["t1", successor, start, start], (s, ...a) =>
      s.refreshTokens.retryRefreshToken(...a),
    ),
    call("revokeRefreshFamily", ["f1", start], (s, ...a) =>
      s.refreshTokens.revokeRefreshFamily(...a),
    ),
    call("revokeRefreshFamiliesOf", ["alice", start], (s, ...a) =>
      s.refreshTokens.revokeRefreshFamiliesOf(...a),
    ),
    call("lastRefreshIssuedAt", ["alice"], (s, name) => s.refreshTokens.lastRefreshIssuedAt(name)),
  ],
  denylist: [
    call("denyAccessToken", ["jti-2", start + 1000, start], (s, ...a) =>
      s.denylist.denyAccessToken(...a),
    ),
    call("isAccessTokenDenied", ["jti-1"], (s, jti) => s.denylist.isAccessTokenDenied(jti)),
  ],
  throttle: [
    call("reserveAttempt", ["account:alice", rule, start, 30_000], (s, ...a) =>
      s.throttle.reserveAttempt(...a),
    ),
    call("settleAttempt", ["account:alice", rule, settlement, start], (s, ...a) =>
      s.throttle.settleAttempt(...a),
    ),
    call("clearAttempts", ["account:alice"], (s, k) => s.throttle.clearAttempts(k)),
    call(
      "reserveAttempts",
      [[{ key: "address:10.0.0.1", rule }], start, 30_000],
      (s, attempts, now, lease) => s.throttle.reserveAttempts([attempts[0]], now, lease),
    ),
    call(
      "settleAttempts",
      [[{ key: "address:10.0.0.1", rule, outcome: "released" }], start],
      (s, settlements, now) => s.throttle.settleAttempts(settlements, now),
    ),
  ],
  audit: [
    call(
      "record",
      [
        {
          type: "user.created",
          actor: "root",
          subject: "alice",
          clientAddress: "10.0.0.1",
          requestId: "req-1",
          reason: "because",
          details: { scopes: "me", note: "text" },
        },
      ],
      (s, event) => s.audit.record(event),
    ),
    call("list", [{ user: "alice", limit: 10 }], (s, query) => s.audit.list(query)),
  ],
  clients: [
    call("findClient", ["c1"], (s, id) => s.clients.findClient(id)),
    call("createClient", [client], (s, c) => s.clients.createClient(c)),
    call(
      "updateClient",
      [
        "c1",
        {
          name: "Renamed",
          scopes: ["me"],
          redirectUris: ["https://app.example/other"],
          audiences: ["https://api.example"],
          secretHash: "new-hash",
          previousSecretHash: "old-hash",
        },
      ],
      (s, id, patch) => s.clients.updateClient(id, patch),
    ),
    call("deleteClient", ["c1"], (s, id) => s.clients.deleteClient(id)),
  ],
};

// Rows every call above finds, so a call let through would change or find something.
async function prepare(store: Store): Promise<void> {
  await store.users.createUser({ username: "alice", passwordHash: hash, scopes: ["users:write"] });
  await store.users.createUser({ username: "root", passwordHash: hash, scopes: ["users:write"] });
  await store.refreshTokens.createRefreshFamily(family("f1", "t1"));
  await store.denylist.denyAccessToken("jti-1", start + 1000, start);
  await store.clients.createClient({ ...client, clientId: "c1", name: "First" });
}

// What the store holds, to compare before and after the refused calls.
async function snapshot(store: Store): Promise<unknown> {
  return {
    users: await store.users.listUsers(),
    items: await store.items.listItems("alice"),
    keys: await store.signingKeys.listSigningKeys(),
    family: await store.refreshTokens.findRefreshToken("t1"),
    clients: await store.clients.listClients(),
    audit: await store.audit.list({ limit: 10 }),
  };
}

/**
 * Registers the NUL refusal contract as a `describe` block named `name`: each port method taking a
 * string is called once per string field of its arguments with a NUL in it, and must reject with
 * `invalid_input` and leave the store as it was. `makeStore` returns a new, empty store on `clock`.
 */
export function describeNulInputContract(
  name: string,
  makeStore: (clock: Clock) => Promise<Store>,
): void {
  describe(name, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore(createFixedClock(start));
      await prepare(store);
    });

    afterEach(async () => {
      await store.close();
    });

    for (const [port, calls] of Object.entries(portCalls)) {
      it(`${port}: refuses a NUL in every string field with invalid_input, writing nothing`, async () => {
        const before = await snapshot(store);

        for (const { method, args, run } of calls) {
          const variants = variantsOf(args);
          assert.ok(variants.length > 0, `${method} takes a string`);
          for (const variant of variants) {
            const variantArgs = variant.value;
            assert.ok(Array.isArray(variantArgs));
            await assert.rejects(
              (async () => run(store, variantArgs))(),
              invalidInput,
              `${port}.${method} argument${variant.at}`,
            );
          }
        }

        assert.deepEqual(await snapshot(store), before);
      });
    }

    describe("on an empty store", () => {
      beforeEach(async () => {
        await store.close();
        store = await makeStore(createFixedClock(start));
      });

      it("seed: refuses a NUL in a seeded user or item, seeding nothing", async () => {
        const seed = {
          users: [
            { username: "ann", email: "ann@example.com", passwordHash: hash, scopes: ["me"] },
          ],
          items: [{ owner: "ann", itemId: "plumbus" }],
        };

        for (const variant of variantsOf(seed)) {
          await assert.rejects(
            // A variant differs from `seed` only in one string.
            (async () => store.seed.seedIfEmpty(variant.value as typeof seed))(),
            invalidInput,
            `seedIfEmpty${variant.at}`,
          );
        }

        assert.equal(await store.users.countUsers(), 0);
      });
    });
  });
}
