// Readiness of the PostgreSQL store: the server answers, takes a write, and no migration is pending.
import type { ReadinessCheck } from "gatehouse-auth-core/readiness";
import { pendingPostgresMigrations } from "./migrate.ts";
import type { Queryable } from "./pool.ts";

// A write that matches no row: PostgreSQL refuses it all the same in a read-only transaction
// (a standby, default_transaction_read_only) or without the privilege, yet it takes no row lock.
const writeProbe = "UPDATE schema_migrations SET version = version WHERE false";

/**
 * A {@link ReadinessCheck} on `db`: not ready when the pool is closed, the server does not
 * answer, a migration shipped with this build has not been applied (an older instance's
 * schema), or the database cannot be written (every login writes).
 */
export function createPostgresReadiness(db: Queryable, migrations?: URL): ReadinessCheck {
  return {
    async checkReady() {
      try {
        await db.rows("SELECT 1");
        const pending = await pendingPostgresMigrations(
          db,
          migrations === undefined ? {} : { directory: migrations },
        );
        if (pending.length > 0) return { ok: false, detail: "migrations pending" };
      } catch {
        return { ok: false, detail: "database unreachable" };
      }
      try {
        await db.run(writeProbe);
        return { ok: true, detail: "ready" };
      } catch {
        return { ok: false, detail: "database not writable" };
      }
    },
  };
}
