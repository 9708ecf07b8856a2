import { describeAccessTokenDenylistContract } from "./access-token-denylist.contract.ts";
import { describeAuditLogContract } from "./audit-log.contract.ts";
import { createMemoryStore } from "./memory.ts";
import { describeReadinessContract } from "./readiness.contract.ts";
import { describeRefreshTokenStoreContract } from "./refresh-token-store.contract.ts";
import { describeSeedStoreContract } from "./seed-store.contract.ts";
import { describeSigningKeyStoreContract } from "./signing-key-store.contract.ts";
import { describeThrottleStoreContract } from "./throttle-store.contract.ts";
import { describeUserDirectoryContract } from "./user-directory.contract.ts";
import { describeStoreContract } from "./user-store.contract.ts";

describeStoreContract("memory store", async (clock) => createMemoryStore({ clock }));
describeAuditLogContract("memory audit log", async (clock) => createMemoryStore({ clock }));
describeUserDirectoryContract("memory user directory", async (clock) =>
  createMemoryStore({ clock }),
);
describeRefreshTokenStoreContract("memory refresh tokens", async (clock) =>
  createMemoryStore({ clock }),
);
describeAccessTokenDenylistContract("memory access token denylist", async (clock) =>
  createMemoryStore({ clock }),
);
describeThrottleStoreContract("memory throttle store", async () => {
  const store = createMemoryStore();
  return { store, close: () => store.close() };
});
describeReadinessContract("memory store readiness", async () => createMemoryStore());
describeSigningKeyStoreContract("memory store: signing keys", async (clock) =>
  createMemoryStore({ clock }),
);

describeSeedStoreContract("memory store seeding", async (clock) => createMemoryStore({ clock }));
