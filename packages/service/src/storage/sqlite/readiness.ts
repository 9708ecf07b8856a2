// Readiness of the SQLite store: the file answers a query, takes a write, and no migration is pending.
import type { DatabaseSync } from "node:sqlite";
import type { ReadinessCheck } from "gatehouse-auth-core/readiness";
import { pendingSqliteMigrations } from "./migrate.ts";

// A write that changes no row: SQLite still opens a write transaction for it, so a read-only
// file, file system or connection fails it, yet no page is dirtied and nothing reaches the WAL.
const writeProbe = "UPDATE schema_migrations SET version = version WHERE 0";

/**
 * A {@link ReadinessCheck} on `db`: not ready when the connection is closed, a query fails, a
 * migration shipped with this build has not been applied (an older instance's schema), or the
 * database cannot be written (every login writes).
 */
export function createSqliteReadiness(db: DatabaseSync, migrations?: URL): ReadinessCheck {
  return {
    async checkReady() {
      try {
        if (!db.isOpen) return { ok: false, detail: "database closed" };
        db.prepare("SELECT 1").get();
        const pending = pendingSqliteMigrations(
          db,
          migrations === undefined ? {} : { directory: migrations },
        );
        if (pending.length > 0) return { ok: false, detail: "migrations pending" };
      } catch {
        return { ok: false, detail: "database unreachable" };
      }
      try {
        db.prepare(writeProbe).run();
        return { ok: true, detail: "ready" };
      } catch {
        return { ok: false, detail: "database not writable" };
      }
    },
  };
}
