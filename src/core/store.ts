import type { AccessTokenDenylist } from "./access-token-denylist.ts";
import type { ItemStore } from "./items.ts";
import type { RefreshTokenStore } from "./refresh-tokens.ts";
import type { SigningKeyStore } from "./signing-keys.ts";
import type { UserStore } from "./users.ts";

/** Everything Gatehouse keeps, as one adapter provides it. */
export interface Store
  extends UserStore,
    ItemStore,
    SigningKeyStore,
    RefreshTokenStore,
    AccessTokenDenylist {
  /** Releases connections and files. */
  close(): Promise<void>;
}
