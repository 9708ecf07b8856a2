import type { ItemStore } from "./items.ts";
import type { SeedStore } from "./seed.ts";
import type { SigningKeyStore } from "./signing-keys.ts";
import type { UserStore } from "./users.ts";

/** Everything Gatehouse keeps, as one adapter provides it. */
export interface Store extends UserStore, ItemStore, SigningKeyStore, SeedStore {
  /** Releases connections and files. */
  close(): Promise<void>;
}
