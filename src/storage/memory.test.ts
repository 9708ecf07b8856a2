import { createMemoryStore } from "./memory.ts";
import { describeReadinessContract } from "./readiness.contract.ts";
import { describeThrottleStoreContract } from "./throttle-store.contract.ts";
import { describeStoreContract } from "./user-store.contract.ts";

describeStoreContract("memory store", async (clock) => createMemoryStore({ clock }));

describeThrottleStoreContract("memory throttle store", async () => {
  const store = createMemoryStore();
  return { store, close: () => store.close() };
});

describeReadinessContract("memory store readiness", async () => createMemoryStore());
