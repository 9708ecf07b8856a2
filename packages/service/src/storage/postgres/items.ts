// Items on PostgreSQL: the ItemStore part of the PostgreSQL store.

import { AuthError } from "gatehouse-auth-core/errors";
import type { Item, ItemStore } from "gatehouse-auth-core/users/items";
import { z } from "zod";
import { parseRow } from "../rows/parse-row.ts";
import type { Queryable } from "./pool.ts";
import { sqlState, sqlStateOf } from "./rows.ts";

const itemRow = z.object({ owner: z.string(), item_id: z.string() });

/**
 * The item part of the PostgreSQL store, running on `db` — the pool or a transaction.
 * @throws {AuthError} user_not_found from `addItem` when the owner does not exist
 */
export function createPostgresItems(db: Queryable): ItemStore {
  return {
    async listItems(owner: string): Promise<readonly Item[]> {
      const rows = await db.rows(
        "SELECT owner, item_id FROM items WHERE owner = $1 ORDER BY item_id",
        [owner],
      );
      return rows.map((row) => {
        const item = parseRow(itemRow, row, "items");
        return { itemId: item.item_id, owner: item.owner };
      });
    },

    async addItem(owner: string, itemId: string): Promise<Item> {
      try {
        await db.run("INSERT INTO items (owner, item_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [
          owner,
          itemId,
        ]);
      } catch (error) {
        if (sqlStateOf(error) === sqlState.foreignKeyViolation) {
          throw new AuthError("user_not_found", "no user with this username", { cause: error });
        }
        throw error;
      }
      return { itemId, owner };
    },
  };
}
