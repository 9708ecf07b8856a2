import type { AccessTokenDenylist } from "./access-token-denylist.ts";
import type { AuditStore } from "./audit-log.ts";
import type { ItemStore } from "./items.ts";
import type { RefreshTokenStore } from "./refresh-tokens.ts";
import type { SigningKeyStore } from "./signing-keys.ts";
import type { UserDirectory } from "./user-directory.ts";
import type { UserStore } from "./users.ts";

/** Everything Gatehouse keeps, as one adapter provides it. */
export interface Store
  extends UserStore,
    ItemStore,
    SigningKeyStore,
    UserDirectory,
    AuditStore,
    RefreshTokenStore,
    AccessTokenDenylist {
  /** Releases connections and files. */
  close(): Promise<void>;
}
