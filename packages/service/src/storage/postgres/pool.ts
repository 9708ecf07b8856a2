// The connection pool every PostgreSQL store part runs its statements through.
import { type ClientBase, Pool } from "pg";

/** Something statements run on: the pool (each statement on its own), or one transaction. */
export interface Queryable {
  /** Runs one statement (or, without parameters, a script) and returns its rows, unchecked. */
  rows(sql: string, params?: readonly unknown[]): Promise<readonly unknown[]>;
  /** Runs one statement and returns how many rows it inserted, updated or deleted. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Runs `work` in one transaction on one connection: committed when `work` resolves, rolled back
   * when it throws (and the error rethrown). A process killed before the commit leaves nothing.
   * Called on a transaction, runs `work` in that same transaction.
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** A pool of connections to one PostgreSQL database. */
export interface PostgresPool extends Queryable {
  /** The pool's connections now: open, idle, and callers waiting for one. */
  stats(): PostgresPoolStats;
  /**
   * Closes every connection and resolves once each one is closed, so the server has ended its
   * sessions (waiting at most the connect timeout); later calls reject. Closing twice is harmless.
   */
  close(): Promise<void>;
}

/** A snapshot of a pool's connections, for metrics. */
export interface PostgresPoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/** How to reach the database. */
export interface PostgresPoolOptions {
  /** `postgres://user:password@host:port/database?…`, as `pg` reads it. */
  readonly url: string;
  /** The most connections this pool opens. */
  readonly poolSize: number;
  /** How long opening one connection may take before it fails, in milliseconds. */
  readonly connectTimeoutMs: number;
}

/** Names the server and database of `url` for messages, leaving out user and password. */
function serverOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}${parsed.pathname}`;
  } catch {
    return "the configured server";
  }
}

function queryable(target: Pool | ClientBase): Omit<Queryable, "transaction"> {
  const query = (sql: string, params: readonly unknown[] | undefined) =>
    // Without parameters pg uses the simple protocol, which also runs multi-statement scripts.
    params === undefined ? target.query(sql) : target.query(sql, [...params]);
  return {
    async rows(sql, params) {
      return (await query(sql, params)).rows;
    },
    async run(sql, params) {
      return (await query(sql, params)).rowCount ?? 0;
    },
  };
}

/**
 * Statements on one connection of its own (not the pool's), such as the change follower's.
 * `transaction` runs `work` in one snapshot (REPEATABLE READ), rolled back on a throw; the caller
 * runs one at a time.
 */
export function connectionQueryable(client: ClientBase): Queryable {
  const statements = queryable(client);
  const self: Queryable = {
    ...statements,
    async transaction(work) {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      try {
        const result = await work(self);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    },
  };
  return self;
}

/**
 * Resolves when every connection in `ends` has closed, or after `limitMs` when a server does not
 * answer the goodbye. The timer also keeps the process alive meanwhile: idle connections do not
 * (`allowExitOnIdle`), so without it a process could exit before its sessions have ended.
 */
async function allEnded(ends: readonly Promise<void>[], limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(ends),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, limitMs);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * Opens a pool on `options.url` and checks that the server answers, so a wrong URL or a server
 * that is down fails at startup (after at most `connectTimeoutMs`) instead of at the first request.
 *
 * @throws {Error} naming the server and database (never the password) when no connection opens
 */
export async function connectPostgres(options: PostgresPoolOptions): Promise<PostgresPool> {
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: "gatehouse",
    // Idle connections do not keep a finished process (a CLI command) alive.
    allowExitOnIdle: true,
  });
  // An idle connection the server dropped (a restart, a failover) is discarded by the pool and the
  // next statement opens a new one; without a listener the event would crash the process.
  pool.on("error", () => {});
  // pg's pool.end() resolves once it has asked every connection to end, not once they have: the
  // sockets (and the server's sessions) may still be open. Each open connection's end is kept here,
  // so close() can wait until the last one has really gone.
  const ends = new Set<Promise<void>>();
  pool.on("connect", (client) => {
    const end = new Promise<void>((resolve) => client.once("end", () => resolve()));
    ends.add(end);
    void end.then(() => ends.delete(end));
  });
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot connect to PostgreSQL at ${serverOf(options.url)}: ${reason}`, {
      cause: error,
    });
  }
  let closed = false;
  return {
    ...queryable(pool),

    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken: Error | undefined;
      // A checked-out connection the server drops emits "error", which would crash the process
      // without a listener; the statement in flight rejects anyway, and the connection is discarded.
      const onLost = (error: Error): void => {
        broken = error;
      };
      client.on("error", onLost);
      try {
        await client.query("BEGIN");
        const tx: Queryable = { ...queryable(client), transaction: (inner) => inner(tx) };
        const result = await work(tx);
        await client.query("COMMIT");
        return result;
      } catch (error) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackError) {
          // A connection that cannot even roll back is not given to the next caller.
          broken =
            rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
        throw error;
      } finally {
        client.off("error", onLost);
        client.release(broken);
      }
    },

    stats(): PostgresPoolStats {
      return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await pool.end();
      await allEnded([...ends], options.connectTimeoutMs);
    },
  };
}
