// Readiness of the PostgreSQL store: the server answers a query and no migration is pending.
import type { ReadinessCheck } from "gatehouse-auth-core/readiness";
import { pendingPostgresMigrations } from "./migrate.ts";
import type { Queryable } from "./pool.ts";

/**
 * A {@link ReadinessCheck} on `db`: not ready when the pool is closed, the server does not
 * answer, or a migration shipped with this build has not been applied (an older instance's
 * schema).
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
        return { ok: true, detail: "ready" };
      } catch {
        return { ok: false, detail: "database unreachable" };
      }
    },
  };
}
