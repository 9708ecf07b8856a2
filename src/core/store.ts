import type { ItemStore } from "./items.ts";
import type { ReadinessCheck } from "./readiness.ts";
import type { SigningKeyStore } from "./signing-keys.ts";
import type { ThrottleStore } from "./throttle-store.ts";
import type { UserStore } from "./users.ts";

/** Everything Gatehouse keeps, as one adapter provides it. */
export interface Store
  extends UserStore,
    ItemStore,
    SigningKeyStore,
    ThrottleStore,
    ReadinessCheck {
  /** Releases connections and files. */
  close(): Promise<void>;
}
