// Account changes racing each other (issue 16), in one process and in two processes sharing one
// database: two admins removing each other's users:write, and a login whose hash upgrade races a
// password change. Each race runs enough trials to catch one that a pair in twenty would win.
//
// Run by the test runner, this file is the test; forked with GATEHOUSE_RACE_STORE set, it is one
// of the two worker processes, acting on that store when the test asks.
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { hashSync as bcryptHash } from "@node-rs/bcrypt";
import { createMemoryStore } from "gatehouse-auth/storage/memory/store";
import { createPostgresStore } from "gatehouse-auth/storage/postgres/store";
import { createSqliteStore } from "gatehouse-auth/storage/sqlite/store";
import { systemClock } from "gatehouse-auth-core/clock";
import { isAuthError } from "gatehouse-auth-core/errors";
import type { PasswordHash, PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import { createPasswordPolicy } from "gatehouse-auth-core/passwords/password-policy";
import type { Store } from "gatehouse-auth-core/ports";
import { createScopeCatalogue, gatehouseScopeDescriptions } from "gatehouse-auth-core/scopes";
import { authenticate } from "gatehouse-auth-core/users/authenticate";
import {
  type AuditContext,
  changeAccount,
  deleteAccount,
  setAccountPassword,
  type UserAdminDeps,
} from "gatehouse-auth-core/users/user-admin";
import { createFastHasher } from "../fixtures/fast-hasher.ts";
import { createThrowawayDatabase, requirePostgres } from "../fixtures/postgres-database.ts";

const trials = 60;
const oldPassword = "the old passphrase of this account";
const newPassword = "a brand new passphrase for this one";
const managerScopes = ["users:write", "me"];

/** One step of a race, as the test hands it to a process. */
type Step =
  | {
      readonly kind: "demote" | "disable" | "delete";
      readonly actor: string;
      readonly target: string;
    }
  | {
      readonly kind: "set-scopes";
      readonly actor: string;
      readonly target: string;
      readonly scopes: readonly string[];
    }
  | { readonly kind: "login"; readonly username: string }
  | { readonly kind: "set-password"; readonly username: string };

/** How a step ended: done, or refused with an AuthError code. */
type Outcome = { readonly ok: true } | { readonly ok: false; readonly code: string };

function adminDeps(store: Store, hasher: PasswordHasher): UserAdminDeps {
  return {
    users: store.users,
    hasher,
    audit: store.audit,
    scopes: createScopeCatalogue(gatehouseScopeDescriptions),
    passwordPolicy: createPasswordPolicy(),
    refreshTokens: store.refreshTokens,
    clock: systemClock,
  };
}

async function runStep(deps: UserAdminDeps, step: Step): Promise<Outcome> {
  try {
    switch (step.kind) {
      case "demote":
      case "disable":
      case "delete": {
        // An account acting over the admin API: held to keeping an active users:write holder.
        const context: AuditContext = {
          actor: step.actor,
          clientAddress: null,
          requestId: null,
          actorScopes: managerScopes,
        };
        if (step.kind === "delete") await deleteAccount(deps, context, step.target);
        else if (step.kind === "disable") {
          await changeAccount(deps, context, step.target, { disabled: true });
        } else await changeAccount(deps, context, step.target, { scopes: ["me"] });
        break;
      }
      case "set-scopes":
        await changeAccount(
          deps,
          { actor: step.actor, clientAddress: null, requestId: null, actorScopes: managerScopes },
          step.target,
          { scopes: step.scopes },
        );
        break;
      case "login":
        await authenticate(deps, step.username, oldPassword);
        break;
      case "set-password":
        await setAccountPassword(
          deps,
          { actor: "cli", clientAddress: null, requestId: null },
          step.username,
          newPassword,
        );
        break;
      default: {
        const unreachable: never = step;
        throw new TypeError(`unknown step ${String(unreachable)}`);
      }
    }
    return { ok: true };
  } catch (error) {
    if (isAuthError(error)) return { ok: false, code: error.code };
    throw error;
  }
}

function openStore(location: string): Promise<Store> | Store {
  return location.startsWith("sqlite:")
    ? createSqliteStore({ path: location.slice("sqlite:".length) })
    : createPostgresStore({ url: location, poolSize: 4 });
}

/** Runs one step per message from the parent, answering its outcome, until disconnected. */
async function serveAsWorker(location: string): Promise<void> {
  const store = await openStore(location);
  const hasher = createFastHasher();
  const deps = adminDeps(store, hasher);
  process.on("message", (message: { id: number; step: Step }) => {
    void runStep(deps, message.step).then(
      (outcome) => process.send?.({ id: message.id, outcome }),
      (error: unknown) => process.send?.({ id: message.id, failure: String(error) }),
    );
  });
  process.once("disconnect", () => {
    void Promise.all([store.close(), hasher.close()]);
  });
  process.send?.({ ready: true });
}

/** Runs a step somewhere: in this process, or in one of the workers. */
type Runner = (step: Step) => Promise<Outcome>;

/** A worker process on `location`, and a runner handing it steps. */
async function startWorker(location: string): Promise<{ run: Runner; stop(): Promise<void> }> {
  const child = fork(new URL(import.meta.url).pathname, [], {
    env: { ...process.env, GATEHOUSE_RACE_STORE: location },
    execArgv: ["--conditions=gatehouse-source"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<
    number,
    { resolve(outcome: Outcome): void; reject(error: Error): void }
  >();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}`)));
    child.on(
      "message",
      (message: { ready?: true; id?: number; outcome?: Outcome; failure?: string }) => {
        if (message.ready) resolve();
        if (message.id === undefined) return;
        const waiting = pending.get(message.id);
        pending.delete(message.id);
        if (message.outcome !== undefined) waiting?.resolve(message.outcome);
        else waiting?.reject(new Error(`worker step failed: ${message.failure}`));
      },
    );
  });
  child.removeAllListeners("exit");
  return {
    run: (step) =>
      new Promise((resolve, reject) => {
        const id = next++;
        pending.set(id, { resolve, reject });
        child.send({ id, step });
      }),
    stop: async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.disconnect();
      await exited;
    },
  };
}

/** The races, run on `store` (what the test reads and prepares) with steps run by `a` and `b`. */
function describeRaces(context: () => { store: Store; a: Runner; b: Runner }): void {
  const hasher = createFastHasher();
  after(() => hasher.close());

  const holders = async (store: Store, names: readonly string[]): Promise<string[]> =>
    (await store.users.listUsers())
      .filter((u) => names.includes(u.username) && !u.disabled && u.scopes.includes("users:write"))
      .map((u) => u.username);

  it(`leaves users:write with one of two admins removing each other (${trials} trials)`, async () => {
    const { store, a, b } = context();
    const hash = await hasher.hash(oldPassword);
    const kinds = ["demote", "disable", "delete"] as const;
    for (let trial = 0; trial < trials; trial++) {
      const [ann, bob] = [`ann-${trial}`, `bob-${trial}`];
      for (const username of [ann, bob]) {
        await store.users.createUser({ username, passwordHash: hash, scopes: managerScopes });
      }
      const kindA = kinds[trial % 3] ?? "delete";
      const kindB = kinds[Math.floor(trial / 3) % 3] ?? "delete";

      const outcomes = await Promise.all([
        a({ kind: kindA, actor: ann, target: bob }),
        b({ kind: kindB, actor: bob, target: ann }),
      ]);

      const refused = outcomes.filter((outcome) => !outcome.ok);
      assert.deepEqual(
        refused,
        [{ ok: false, code: "last_user_admin" }],
        `trial ${trial} (${kindA} against ${kindB})`,
      );
      assert.equal((await holders(store, [ann, bob])).length, 1, `trial ${trial}`);
      await store.users.deleteUser(ann);
      await store.users.deleteUser(bob);
    }
  });

  it(`never lets an admin keep a scope it lacks that another just took away (${trials} trials)`, async () => {
    const { store, a, b } = context();
    const hash = await hasher.hash(oldPassword);
    for (let trial = 0; trial < trials; trial++) {
      const target = `dave-${trial}`;
      // Neither admin holds audit:read: one may keep it on dave, while dave holds it.
      await store.users.createUser({
        username: target,
        passwordHash: hash,
        scopes: ["audit:read"],
      });

      const [keeping] = await Promise.all([
        a({ kind: "set-scopes", actor: "ann", target, scopes: ["me", "audit:read"] }),
        b({ kind: "set-scopes", actor: "bob", target, scopes: ["me"] }),
      ]);

      const stored = await store.users.findByUsername(target);
      // Kept while dave still held it and then removed, or refused once it was removed.
      assert.deepEqual(stored?.scopes, ["me"], `trial ${trial}`);
      if (!keeping.ok) assert.equal(keeping.code, "scope_not_held", `trial ${trial}`);
    }
  });

  it(`never lets a login's hash upgrade undo a password change (${trials} trials)`, async () => {
    const { store, a, b } = context();
    // A bcrypt hash: the login verifies it, then replaces it with an argon2id one.
    const outdated = bcryptHash(oldPassword, 4) as PasswordHash;
    let upgradedRaces = 0;
    for (let trial = 0; trial < trials; trial++) {
      const username = `carol-${trial}`;
      await store.users.createUser({ username, passwordHash: outdated, scopes: ["me"] });

      const [login] = await Promise.all([
        a({ kind: "login", username }),
        b({ kind: "set-password", username }),
      ]);

      const stored = await store.users.findByUsername(username);
      assert.ok(stored !== undefined);
      const check = await hasher.verify(stored.passwordHash, newPassword);
      assert.equal(check.matches, true, `trial ${trial}: the new password works`);
      if (login.ok) upgradedRaces++;
    }
    // Most logins verified the old hash before the change landed: the race was really run.
    assert.ok(upgradedRaces > trials / 4, `${upgradedRaces} logins succeeded`);
  });
}

const location = process.env["GATEHOUSE_RACE_STORE"];
if (location !== undefined) {
  await serveAsWorker(location);
} else {
  const pgSkip = await requirePostgres();
  const hasher = createFastHasher();
  const local = (store: Store): Runner => {
    const deps = adminDeps(store, hasher);
    return (step) => runStep(deps, step);
  };
  after(() => hasher.close());

  describe("account races in one process", () => {
    for (const [label, open] of [
      ["memory", async () => createMemoryStore()],
      ["SQLite", async () => createSqliteStore({ path: ":memory:" })],
    ] as const) {
      describe(`on the ${label} store`, () => {
        let store: Store;
        before(async () => {
          store = await open();
        });
        after(() => store.close());
        describeRaces(() => ({ store, a: local(store), b: local(store) }));
      });
    }

    describe("on the PostgreSQL store", { skip: pgSkip }, () => {
      let store: Store;
      let drop: () => Promise<void>;
      before(async () => {
        const database = await createThrowawayDatabase();
        drop = database.drop;
        store = await createPostgresStore({ url: database.url, poolSize: 4 });
      });
      after(async () => {
        await store.close();
        await drop();
      });
      describeRaces(() => ({ store, a: local(store), b: local(store) }));
    });
  });

  describe("account races in two processes sharing a database", () => {
    for (const label of ["SQLite", "PostgreSQL"] as const) {
      describe(`on ${label}`, { skip: label === "PostgreSQL" ? pgSkip : false }, () => {
        let store: Store;
        let workers: Awaited<ReturnType<typeof startWorker>>[] = [];
        let cleanUp: () => Promise<void>;
        before(async () => {
          let shared: string;
          if (label === "SQLite") {
            const directory = await mkdtemp(join(tmpdir(), "gatehouse-races-"));
            shared = `sqlite:${join(directory, "gatehouse.db")}`;
            cleanUp = () => rm(directory, { recursive: true, force: true });
          } else {
            const database = await createThrowawayDatabase();
            shared = database.url;
            cleanUp = database.drop;
          }
          store = await openStore(shared);
          workers = await Promise.all([startWorker(shared), startWorker(shared)]);
        });
        after(async () => {
          await Promise.all(workers.map((worker) => worker.stop()));
          await store.close();
          await cleanUp();
        });
        describeRaces(() => {
          const [a, b] = workers;
          assert.ok(a !== undefined && b !== undefined);
          return { store, a: a.run, b: b.run };
        });
      });
    }
  });
}
