// Seeding on PostgreSQL: the SeedStore part of the PostgreSQL store.
import type { Clock } from "gatehouse-auth-core/clock";
import type { Seed, SeedStore } from "gatehouse-auth-core/users/seed";
import type { AppendPostgresChange } from "./change-feed.ts";
import { createPostgresItems } from "./items.ts";
import type { PostgresPool } from "./pool.ts";
import { createPostgresUsers } from "./users.ts";

/** The seeding part of the PostgreSQL store: the user and item parts, run in one transaction. */
export function createPostgresSeeding(
  db: PostgresPool,
  clock: Clock,
  appendChange: AppendPostgresChange,
): SeedStore {
  return {
    async seedIfEmpty(seed: Seed): Promise<boolean> {
      return db.transaction(async (tx) => {
        // Instances starting at once on an empty database would otherwise all see no user and
        // all insert; under the lock the first seeds and the others find its users.
        await tx.rows("SELECT pg_advisory_xact_lock(hashtext('gatehouse seed'))");
        const users = createPostgresUsers(tx, clock, appendChange);
        if ((await users.countUsers()) > 0) return false;
        const items = createPostgresItems(tx);
        for (const user of seed.users) await users.createUser(user);
        for (const item of seed.items) await items.addItem(item.owner, item.itemId);
        return true;
      });
    },
  };
}
