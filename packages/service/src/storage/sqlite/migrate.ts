// The SQLite schema's history: which `NNN-description.sql` files exist, which ran, and running the rest.
import { readFileSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock } from "gatehouse-auth-core/clock";
import { listMigrations } from "../migration-files.ts";
import { inWriteTransaction } from "./transaction.ts";

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

function hasMigrationTable(db: DatabaseSync): boolean {
  const row = db
    .prepare(
      "SELECT 1 AS found FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
    )
    .get();
  return row !== undefined;
}

function appliedVersions(db: DatabaseSync): Set<string> {
  if (!hasMigrationTable(db)) return new Set();
  const versions = new Set<string>();
  for (const { version } of db.prepare("SELECT version FROM schema_migrations").all()) {
    if (typeof version === "string") versions.add(version);
  }
  return versions;
}

/**
 * The names of the migrations (e.g. `001-initial`) not yet applied to `db`, in order. Only
 * reads, so a readiness check can call it on a live database.
 */
export function pendingSqliteMigrations(
  db: DatabaseSync,
  options: MigrationOptions = {},
): string[] {
  const applied = appliedVersions(db);
  return listMigrations(options.directory ?? defaultDirectory)
    .map((migration) => migration.name)
    .filter((name) => !applied.has(name));
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, in file-name order, each in
 * its own transaction together with its record. A migration that fails is rolled back and stops
 * the run; those before it stay applied.
 *
 * Safe when several processes start at once: each migration runs under `BEGIN IMMEDIATE` (the
 * write lock) and is checked again once the lock is held, so it runs exactly once. Give the
 * connection a busy timeout so the others wait instead of failing.
 *
 * @returns the names of the migrations this call applied
 * @throws {TypeError} when a `.sql` file is not named `NNN-description.sql` or numbers repeat
 */
export function migrateSqlite(
  db: DatabaseSync,
  options: MigrationOptions = {},
): { applied: string[] } {
  const clock = options.clock ?? systemClock;
  const applied: string[] = [];
  for (const migration of listMigrations(options.directory ?? defaultDirectory)) {
    // Cheap unlocked check first, so a fully migrated database never takes the write lock.
    if (appliedVersions(db).has(migration.name)) continue;
    const sql = readFileSync(migration.url, "utf8");
    inWriteTransaction(db, () => {
      db.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT NOT NULL PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT",
      );
      // Another process may have applied it between the check above and taking the lock.
      if (!appliedVersions(db).has(migration.name)) {
        db.exec(sql);
        db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)").run(
          migration.name,
          clock.now(),
        );
        applied.push(migration.name);
      }
    });
  }
  return { applied };
}
