// The token lifecycle over HTTP on SQLite: atomic rotation, and revocation seen by every instance.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createSqliteStore } from "gatehouse-auth/storage/sqlite/store";
import { hashRefreshToken } from "gatehouse-auth-core/tokens/refresh-tokens";
import { makeTestApp } from "../fixtures/test-app.ts";
import {
  loginForPair,
  refresh,
  refreshForPair,
  revoke,
  statusOfMe,
} from "../fixtures/token-client.ts";

const policy = (reuseGraceSeconds: number) => ({
  absoluteLifetimeSeconds: 30 * 86_400,
  idleLifetimeSeconds: 7 * 86_400,
  reuseGraceSeconds,
});

let root = "";
before(() => {
  root = mkdtempSync(join(tmpdir(), "gatehouse-lifecycle-"));
});
after(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("refresh rotation on SQLite", () => {
  it("lets only one of two concurrent refreshes with the same token succeed", async () => {
    const t = await makeTestApp({
      refreshPolicy: policy(0),
      store: (clock) => createSqliteStore({ path: ":memory:", clock }),
    });
    const login = await loginForPair(t.app, "johndoe", "secret");

    const results = await Promise.all([
      refresh(t.app, login.refreshToken),
      refresh(t.app, login.refreshToken),
    ]);

    await t.close();
    assert.deepEqual(results.map((result) => result.status).sort(), [200, 400]);
  });

  it("within the grace window, answers two racing refreshes and leaves one live token", async () => {
    const t = await makeTestApp({
      refreshPolicy: policy(10),
      store: (clock) => createSqliteStore({ path: ":memory:", clock }),
    });
    const login = await loginForPair(t.app, "johndoe", "secret");

    const results = await Promise.all([
      refresh(t.app, login.refreshToken),
      refresh(t.app, login.refreshToken),
    ]);
    const states = [];
    for (const result of results) {
      const hash = hashRefreshToken(String(result.body["refresh_token"]));
      states.push((await t.store.refreshTokens.findRefreshToken(hash))?.state);
    }

    await t.close();
    assert.deepEqual(
      results.map((result) => result.status),
      [200, 200],
    );
    assert.deepEqual(states.sort(), ["active", "discarded"]);
  });

  it("revokes the family when a third racing refresh comes after the one retry", async () => {
    const t = await makeTestApp({
      refreshPolicy: policy(10),
      store: (clock) => createSqliteStore({ path: ":memory:", clock }),
    });
    const login = await loginForPair(t.app, "johndoe", "secret");

    const results = await Promise.all(
      Array.from({ length: 3 }, () => refresh(t.app, login.refreshToken)),
    );
    const record = await t.store.refreshTokens.findRefreshToken(
      hashRefreshToken(login.refreshToken),
    );

    await t.close();
    assert.deepEqual(results.map((result) => result.status).sort(), [200, 200, 400]);
    assert.equal(record?.familyRevoked, true);
  });
});

describe("two instances sharing one SQLite file", () => {
  it("see each other's revocations and cut-offs at once", async () => {
    const path = join(root, "shared.db");
    const a = await makeTestApp({ store: (clock) => createSqliteStore({ path, clock }) });
    const b = await makeTestApp({ store: (clock) => createSqliteStore({ path, clock }) });
    const first = await loginForPair(a.app, "johndoe", "secret");
    const second = await loginForPair(a.app, "johndoe", "secret");
    assert.equal(await statusOfMe(b.app, first.accessToken), 200);

    await revoke(a.app, { token: first.accessToken });
    const revokedOnB = await statusOfMe(b.app, first.accessToken);
    await revoke(b.app, { token: second.refreshToken });
    const refreshOnA = await refresh(a.app, second.refreshToken);

    await a.close();
    await b.close();
    assert.equal(revokedOnB, 401);
    assert.equal(refreshOnA.status, 400);
  });

  it("rotate a refresh token on one instance and detect its reuse on the other", async () => {
    const path = join(root, "shared-rotation.db");
    const a = await makeTestApp({
      refreshPolicy: policy(0),
      store: (clock) => createSqliteStore({ path, clock }),
    });
    const b = await makeTestApp({
      refreshPolicy: policy(0),
      store: (clock) => createSqliteStore({ path, clock }),
    });
    const login = await loginForPair(a.app, "johndoe", "secret");
    const next = await refreshForPair(a.app, login.refreshToken);

    const reuse = await refresh(b.app, login.refreshToken);
    const descendant = await refresh(a.app, next.refreshToken);

    await a.close();
    await b.close();
    assert.equal(reuse.status, 400);
    assert.equal(descendant.status, 400);
  });
});
