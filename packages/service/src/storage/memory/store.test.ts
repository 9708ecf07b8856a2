import { describeStoreContracts } from "../contract/store.contract.ts";
import { createMemoryStore } from "./store.ts";

describeStoreContracts("memory store", async (clock) => createMemoryStore({ clock }));
