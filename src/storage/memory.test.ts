import { createMemoryStore } from "./memory.ts";
import { describeSigningKeyStoreContract } from "./signing-key-store.contract.ts";
import { describeStoreContract } from "./user-store.contract.ts";

describeStoreContract("memory store", async (clock) => createMemoryStore({ clock }));
describeSigningKeyStoreContract("memory store: signing keys", async (clock) =>
  createMemoryStore({ clock }),
);
