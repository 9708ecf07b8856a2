import type { AuditStore } from "./audit-log.ts";
import type { ThrottleStore } from "./grants/throttle-store.ts";
import type { SigningKeyStore } from "./keys/signing-keys.ts";
import type { ReadinessCheck } from "./readiness.ts";
import type { AccessTokenDenylist } from "./tokens/denylist.ts";
import type { RefreshTokenStore } from "./tokens/refresh-tokens.ts";
import type { ItemStore } from "./users/items.ts";
import type { SeedStore } from "./users/seed.ts";
import type { UserStore } from "./users/user.ts";
import type { UserDirectory } from "./users/user-directory.ts";

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
