// Target "postgres": /users/me/ on PostgreSQL against the same route on SQLite, one core, same run.
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { LoadSummary } from "./load.ts";
import type { ServerProcess } from "./processes.ts";
import { combine, interleave } from "./rounds.ts";

/** The server PostgreSQL targets run on: `GATEHOUSE_BENCH_DATABASE_URL`, or the local default. */
const serverUrl =
  process.env["GATEHOUSE_BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** What the target needs of the bench runner. */
export interface PostgresTargetDeps {
  readonly rounds: number;
  readonly warmup: number;
  /** Starts Gatehouse pinned like targets 1–3, with `env` on top (HS256 already set). */
  start(env: Record<string, string>): Promise<ServerProcess>;
  login(server: ServerProcess): Promise<string>;
  readMe(server: ServerProcess, token: string, warm: number): Promise<LoadSummary>;
  log(line: string): void;
}

/** The figures of target "postgres", or why it could not run. */
export type PostgresTargetResult =
  | {
      readonly ran: true;
      readonly ratio: number;
      readonly sqlite: LoadSummary;
      readonly postgres: LoadSummary;
      /** What the PostgreSQL server's /readyz said after the rounds: `cached` or `direct`. */
      readonly reads: string;
    }
  | { readonly ran: false; readonly reason: string };

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Measures `/users/me/` on a Gatehouse on a throwaway PostgreSQL database against one on SQLite,
 * both pinned to the same core, in interleaved rounds; the database is dropped afterwards.
 */
export async function measurePostgresTarget(
  deps: PostgresTargetDeps,
): Promise<PostgresTargetResult> {
  const name = `gatehouse_bench_${randomBytes(6).toString("hex")}`;
  try {
    await onServer((client) => client.query(`CREATE DATABASE ${name}`));
  } catch (error) {
    return {
      ran: false,
      reason: `no PostgreSQL server (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    const sqlite = await deps.start({});
    const postgres = await deps.start({ GATEHOUSE_DATABASE_URL: url.href });
    try {
      const tokens = [await deps.login(sqlite), await deps.login(postgres)] as const;
      deps.log(`/users/me/ on SQLite vs PostgreSQL, one core: ${deps.rounds} interleaved rounds`);
      let round = 0;
      const measured = await interleave(
        deps.rounds,
        () => deps.readMe(sqlite, tokens[0], round === 0 ? deps.warmup : 0),
        () => deps.readMe(postgres, tokens[1], round++ === 0 ? deps.warmup : 0),
      );
      const onSqlite = combine(measured.first);
      const onPostgres = combine(measured.second);
      const ready = (await (await fetch(`${postgres.url}/readyz`)).json()) as { reads?: unknown };
      return {
        ran: true,
        ratio: onPostgres.requestsPerSecond / onSqlite.requestsPerSecond,
        sqlite: onSqlite,
        postgres: onPostgres,
        reads: String(ready.reads),
      };
    } finally {
      await Promise.all([sqlite.stop(), postgres.stop()]);
    }
  } finally {
    await onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}
