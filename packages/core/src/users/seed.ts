// Seeding an empty store with users and their items as one all-or-nothing step.
import type { Item } from "./items.ts";
import type { NewUser } from "./user.ts";

/** Users and items to put into an empty store together. */
export interface Seed {
  readonly users: readonly NewUser[];
  /** Each item's owner must be one of `users`. */
  readonly items: readonly Item[];
}

/** The part of a store that seeds it atomically. */
export interface SeedStore {
  /**
   * Stores every user and item of `seed` if the store holds no user, and returns whether it did.
   *
   * All or nothing: a refused part leaves the store as it was, and a process killed half-way
   * leaves either none of the seed or all of it. Instances starting at once on one database seed
   * it once; the others get `false`.
   *
   * @throws {AuthError} username_taken when the seed names a user twice
   * @throws {AuthError} user_not_found when an item's owner is not in the seed
   */
  seedIfEmpty(seed: Seed): Promise<boolean>;
}
