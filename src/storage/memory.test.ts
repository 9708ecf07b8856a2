import { createMemoryStore } from "./memory.ts";
import { describeSeedStoreContract } from "./seed-store.contract.ts";
import { describeStoreContract } from "./user-store.contract.ts";

describeStoreContract("memory store", async (clock) => createMemoryStore({ clock }));

describeSeedStoreContract("memory store seeding", async (clock) => createMemoryStore({ clock }));
