// The change feed at scale on PostgreSQL: what the caches cost per 10k users, and how a reader
// follows 10k users disabled at once. Run with
//   NODE_OPTIONS=--conditions=gatehouse-source node --expose-gc bench/change-feed-scale.ts
import { randomBytes } from "node:crypto";
import { startChangeFollower } from "gatehouse-auth/storage/postgres/change-follower";
import { createPostgresStore } from "gatehouse-auth/storage/postgres/store";
import type { PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import pg from "pg";

const serverUrl =
  process.env["GATEHOUSE_BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";
const count = 10_000;
const inFlight = 8;
// As long as a real argon2id PHC string, so a cached record weighs what it does in production.
const hash = `$argon2id$v=19$m=19456,t=2,p=1$${"s".repeat(22)}$${"h".repeat(43)}` as PasswordHash;

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function heapMiB(): number {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error("run with node --expose-gc");
  collect();
  collect();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs `work` for 0…n-1, `inFlight` at a time. */
async function each(n: number, work: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

const name = `gatehouse_feed_scale_${randomBytes(6).toString("hex")}`;
await onServer((client) => client.query(`CREATE DATABASE ${name}`));
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const results: Record<string, unknown> = { users: count };
try {
  const writer = await createPostgresStore({ url: url.href, poolSize: inFlight, readCache: false });
  const username = (i: number): string => `user${String(i).padStart(5, "0")}`;
  log(`creating ${count} users`);
  await each(count, (i) =>
    writer.users.createUser({ username: username(i), passwordHash: hash, scopes: ["me", "items"] }),
  );

  const reader = await createPostgresStore({ url: url.href, poolSize: inFlight });
  const guard = reader.guardReads;
  if (guard === undefined) throw new Error("the reader caches nothing");
  const emptyHeap = heapMiB();
  await each(count, async (i) => guard.users.findByUsername(username(i)));
  const usersHeap = heapMiB();
  results["cachedUsers"] = reader.readState().sizes.users;
  results["userCacheMiBPer10k"] = ((usersHeap - emptyHeap) * 10_000) / count;

  log(`creating and reading ${count} clients`);
  const clientsRead = guard.clients;
  if (clientsRead === undefined) throw new Error("the reader caches no clients");
  const clientId = (i: number): string => `client-${String(i).padStart(5, "0")}`;
  await each(count, (i) =>
    writer.clients.createClient({
      clientId: clientId(i),
      name: `Client ${i}`,
      type: "confidential",
      secretHash: "c".repeat(64),
      grantTypes: ["authorization_code", "refresh_token"],
      scopes: ["me", "items"],
      redirectUris: [`https://app${i}.example.com/callback`],
      audiences: [],
      firstParty: false,
    }),
  );
  const beforeClientsHeap = heapMiB();
  await each(count, async (i) => clientsRead.findClient(clientId(i)));
  const clientsHeap = heapMiB();
  results["cachedClients"] = reader.readState().sizes.clients;
  results["clientCacheMiBPer10k"] = ((clientsHeap - beforeClientsHeap) * 10_000) / count;

  log(`revoking ${count} token ids`);
  const now = Date.now();
  const before = reader.readState().appliedSequence;
  await each(count, (i) => writer.denylist.denyAccessToken(`jti-${i}`, now + 3_600_000, now));
  const target = before + count;
  while (reader.readState().appliedSequence < target) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const deniedHeap = heapMiB();
  results["denylistMiBPer10k"] = ((deniedHeap - clientsHeap) * 10_000) / count;

  log(`disabling ${count} users, ${inFlight} at a time`);
  // When each disable was answered, and when the reader had applied that many events: the
  // difference is how long after a change's commit the reader's guards saw it.
  const base = reader.readState().appliedSequence;
  const answeredAt: number[] = [];
  const lags: number[] = [];
  const sampler = setInterval(() => {
    const seen = reader.readState().appliedSequence - base;
    const now = performance.now();
    while (lags.length < Math.min(seen, answeredAt.length)) {
      lags.push(now - (answeredAt[lags.length] ?? now));
    }
  }, 1);
  const started = performance.now();
  await each(count, async (i) => {
    await writer.users.updateUser(username(i), { disabled: true, tokensValidAfter: Date.now() });
    answeredAt.push(performance.now());
  });
  const written = performance.now();
  const last = await writer.changes.latestSequence();
  while (reader.readState().appliedSequence < last || lags.length < count) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const caughtUp = performance.now();
  clearInterval(sampler);
  const sorted = [...lags].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.ceil(q * sorted.length) - 1] ?? Number.NaN;
  const sample = await guard.users.findByUsername(username(count - 1));
  results["disableAll"] = {
    writeSeconds: (written - started) / 1000,
    eventsPerSecond: count / ((written - started) / 1000),
    readerCaughtUpMsAfterLastAnswer: caughtUp - written,
    msFromAnswerToReaderApplied: { p50: at(0.5), p99: at(0.99), max: at(1) },
    readerMode: reader.readState().mode,
    cachedUsersAfter: reader.readState().sizes.users,
    lastUserDisabledOnReader: sample?.disabled,
    heapMiBAfter: heapMiB(),
  };

  log(`a reader ${count} events behind catching up`);
  const head = await writer.changes.latestSequence();
  let applied = 0;
  const catchUpStarted = performance.now();
  const behind = startChangeFollower({
    url: url.href,
    connectTimeoutMs: 5000,
    pollIntervalMs: 250,
    maxStalenessMs: 1000,
    reconnectDelayMs: 100,
    state: {
      apply: () => {
        applied += 1;
      },
      reload: async () => head - count,
    },
  });
  while (behind.appliedSequence() < head) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  results["catchUp"] = {
    events: applied,
    ms: performance.now() - catchUpStarted,
  };
  await behind.close();

  await reader.close();
  await writer.close();
} finally {
  await onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
