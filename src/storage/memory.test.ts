import { describeAuditLogContract } from "./audit-log.contract.ts";
import { createMemoryStore } from "./memory.ts";
import { describeUserDirectoryContract } from "./user-directory.contract.ts";
import { describeStoreContract } from "./user-store.contract.ts";

describeStoreContract("memory store", async (clock) => createMemoryStore({ clock }));
describeAuditLogContract("memory audit log", async (clock) => createMemoryStore({ clock }));
describeUserDirectoryContract("memory user directory", async (clock) =>
  createMemoryStore({ clock }),
);
