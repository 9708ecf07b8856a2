// Readiness of the SQLite store: the file answers a query and no migration is pending.
import type { DatabaseSync } from "node:sqlite";
import type { ReadinessCheck } from "gatehouse-auth-core/readiness";
import { pendingSqliteMigrations } from "./migrate.ts";

/**
 * A {@link ReadinessCheck} on `db`: not ready when the connection is closed, a query fails, or a
 * migration shipped with this build has not been applied (an older instance's schema).
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
        return { ok: true, detail: "ready" };
      } catch {
        return { ok: false, detail: "database unreachable" };
      }
    },
  };
}
