// The seed's example resource: items owned by a user.

/** An item as `/users/me/items/` returns it. */
export interface Item {
  readonly itemId: string;
  readonly owner: string;
}

/** Where items live. */
export interface ItemStore {
  /** The owner's items, ordered by id. */
  listItems(owner: string): Promise<readonly Item[]>;
  /** Adds an item; adding the same id twice is a no-op. @throws {AuthError} user_not_found */
  addItem(owner: string, itemId: string): Promise<Item>;
}
