import type { AccessTokenDenylist } from "./access-token-denylist.ts";
import type { AuditStore } from "./audit-log.ts";
import type { ItemStore } from "./items.ts";
import type { ReadinessCheck } from "./readiness.ts";
import type { RefreshTokenStore } from "./refresh-tokens.ts";
import type { SeedStore } from "./seed.ts";
import type { SigningKeyStore } from "./signing-keys.ts";
import type { ThrottleStore } from "./throttle-store.ts";
import type { UserDirectory } from "./user-directory.ts";
import type { UserStore } from "./users.ts";

/** Everything Gatehouse keeps, as one adapter provides it. */
export interface Store
  extends UserStore,
    ItemStore,
    SigningKeyStore,
    SeedStore,
    UserDirectory,
    AuditStore,
    RefreshTokenStore,
    AccessTokenDenylist,
    ThrottleStore,
    ReadinessCheck {
  /** Releases connections and files. */
  close(): Promise<void>;
}
