// The PostgreSQL schema's history: which `NNN-description.sql` files exist, which ran, and running the rest.
import { readFileSync } from "node:fs";
import { type Clock, systemClock } from "gatehouse-auth-core/clock";
import { z } from "zod";
import { listMigrations } from "../migration-files.ts";
import { parseRow } from "../rows/parse-row.ts";
import type { PostgresPool, Queryable } from "./pool.ts";

// Resolved from this module, not the working directory: the build copies the .sql files next to
// the compiled adapter, so the same line finds them under src/ and under dist/.
const defaultDirectory = new URL("./migrations/", import.meta.url);

/** Where migrations are read from and how their application is stamped. */
interface MigrationOptions {
  /** The folder holding the `.sql` files; the shipped migrations by default. */
  readonly directory?: URL;
  /** Stamps `applied_at`; the system clock by default. */
  readonly clock?: Clock;
}

const tableRow = z.object({ present: z.boolean() });
const versionRow = z.object({ version: z.string() });

async function appliedVersions(db: Queryable): Promise<Set<string>> {
  const [table] = await db.rows("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
  if (!parseRow(tableRow, table, "schema_migrations").present) return new Set();
  const rows = await db.rows("SELECT version FROM schema_migrations");
  return new Set(rows.map((row) => parseRow(versionRow, row, "schema_migrations").version));
}

/**
 * The names of the migrations (e.g. `001-initial`) not yet applied to the database, in order.
 * Only reads, so a readiness check can call it on a live database.
 */
export async function pendingPostgresMigrations(
  db: Queryable,
  options: MigrationOptions = {},
): Promise<string[]> {
  const applied = await appliedVersions(db);
  return listMigrations(options.directory ?? defaultDirectory)
    .map((migration) => migration.name)
    .filter((name) => !applied.has(name));
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, in file-name order, each in
 * its own transaction together with its record. A migration that fails is rolled back and stops
 * the run; those before it stay applied.
 *
 * Safe when several instances start at once: each migration's transaction first takes one
 * transaction-scoped advisory lock, then checks again whether the migration ran, so it runs
 * exactly once and the others wait for it instead of failing.
 *
 * @returns the names of the migrations this call applied
 * @throws {TypeError} when a `.sql` file is not named `NNN-description.sql` or numbers repeat
 */
export async function migratePostgres(
  db: PostgresPool,
  options: MigrationOptions = {},
): Promise<{ applied: string[] }> {
  const clock = options.clock ?? systemClock;
  const applied: string[] = [];
  const migrations = listMigrations(options.directory ?? defaultDirectory);
  // Cheap unlocked check first, so starting on a migrated database never waits for the lock.
  const done = await appliedVersions(db);
  for (const migration of migrations) {
    if (done.has(migration.name)) continue;
    const sql = readFileSync(migration.url, "utf8");
    await db.transaction(async (tx) => {
      // Released at commit or rollback, so a killed instance never leaves it held.
      await tx.rows("SELECT pg_advisory_xact_lock(hashtext('gatehouse schema migrations'))");
      await tx.rows(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)",
      );
      // Another instance may have applied it between the check above and taking the lock.
      if ((await appliedVersions(tx)).has(migration.name)) return;
      await tx.rows(sql);
      await tx.run("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [
        migration.name,
        clock.now(),
      ]);
      applied.push(migration.name);
    });
  }
  return { applied };
}
