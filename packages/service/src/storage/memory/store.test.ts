import { describeAuditLogContract } from "../contract/audit-log.contract.ts";
import { describeClientStoreContract } from "../contract/clients.contract.ts";
import { describeAccessTokenDenylistContract } from "../contract/denylist.contract.ts";
import { describeReadinessContract } from "../contract/readiness.contract.ts";
import { describeRefreshTokenStoreContract } from "../contract/refresh-tokens.contract.ts";
import { describeSeedStoreContract } from "../contract/seed.contract.ts";
import { describeSigningKeyStoreContract } from "../contract/signing-keys.contract.ts";
import { describeThrottleStoreContract } from "../contract/throttle.contract.ts";
import { describeUserDirectoryContract } from "../contract/user-directory.contract.ts";
import { describeStoreContract } from "../contract/users.contract.ts";
import { createMemoryStore } from "./store.ts";

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
  return { store: store.throttle, close: () => store.close() };
});
describeReadinessContract("memory store readiness", async () => createMemoryStore());
describeSigningKeyStoreContract("memory store: signing keys", async (clock) =>
  createMemoryStore({ clock }),
);

describeSeedStoreContract("memory store seeding", async (clock) => createMemoryStore({ clock }));

describeClientStoreContract("memory clients", async (clock) => createMemoryStore({ clock }));
