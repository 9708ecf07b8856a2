// The ClientStore in process memory, with the same ordering and copies as the SQL ones.

import type {
  ClientExpectation,
  ClientPatch,
  ClientRecord,
  ClientStore,
  NewClient,
} from "gatehouse-auth-core/clients/client";
import type { Clock } from "gatehouse-auth-core/clock";
import { AuthError } from "gatehouse-auth-core/errors";
import type { NewChangeEvent } from "../rows/change-event-row.ts";

// Callers get copies and the store keeps copies, so no one can change a stored record in place.
function copyClient(record: ClientRecord): ClientRecord {
  return {
    ...record,
    grantTypes: [...record.grantTypes],
    scopes: [...record.scopes],
    redirectUris: [...record.redirectUris],
    audiences: [...record.audiences],
  };
}

/**
 * The client part of the memory store; `clear` empties it when the store closes. Each write is
 * passed to `appendChange`.
 */
export function createMemoryClientStore(
  clock: Clock,
  appendChange: (event: NewChangeEvent) => void,
): ClientStore & { clear(): void } {
  const clients = new Map<string, ClientRecord>();
  // Used assertion ids, `client_id` and `jti` joined by a space (neither holds one), to expiry.
  const assertionIds = new Map<string, number>();

  return {
    async findClient(clientId: string): Promise<ClientRecord | undefined> {
      const record = clients.get(clientId);
      return record === undefined ? undefined : copyClient(record);
    },

    async listClients(): Promise<readonly ClientRecord[]> {
      // Code-unit order, the same as the SQL adapters' byte order for the ASCII ids allowed.
      return [...clients.values()]
        .sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0))
        .map(copyClient);
    },

    async createClient(client: NewClient): Promise<ClientRecord> {
      if (clients.has(client.clientId)) {
        throw new AuthError("client_id_taken", "a client with this id exists");
      }
      const now = clock.now();
      const record = copyClient({
        ...client,
        disabled: client.disabled ?? false,
        jwks: client.jwks ?? null,
        previousSecretHash: null,
        previousSecretExpiresAt: null,
        createdAt: now,
        updatedAt: now,
      });
      clients.set(record.clientId, record);
      appendChange({ kind: "client_changed", clientId: record.clientId });
      return copyClient(record);
    },

    async updateClient(
      clientId: string,
      patch: ClientPatch,
      expected?: ClientExpectation,
    ): Promise<ClientRecord | undefined> {
      const current = clients.get(clientId);
      if (current === undefined) return undefined;
      if (expected !== undefined && current.secretHash !== expected.secretHash) return undefined;
      const record = copyClient({
        ...current,
        name: patch.name ?? current.name,
        grantTypes: patch.grantTypes ?? current.grantTypes,
        scopes: patch.scopes ?? current.scopes,
        redirectUris: patch.redirectUris ?? current.redirectUris,
        audiences: patch.audiences ?? current.audiences,
        firstParty: patch.firstParty ?? current.firstParty,
        disabled: patch.disabled ?? current.disabled,
        jwks: patch.jwks === undefined ? current.jwks : patch.jwks,
        secretHash: patch.secretHash === undefined ? current.secretHash : patch.secretHash,
        previousSecretHash:
          patch.previousSecretHash === undefined
            ? current.previousSecretHash
            : patch.previousSecretHash,
        previousSecretExpiresAt:
          patch.previousSecretExpiresAt === undefined
            ? current.previousSecretExpiresAt
            : patch.previousSecretExpiresAt,
        updatedAt: clock.now(),
      });
      clients.set(clientId, record);
      appendChange({ kind: "client_changed", clientId });
      return copyClient(record);
    },

    async deleteClient(clientId: string): Promise<boolean> {
      if (!clients.delete(clientId)) return false;
      appendChange({ kind: "client_changed", clientId });
      return true;
    },

    async useClientAssertionId(clientId, jti, expiresAt, now) {
      for (const [key, until] of assertionIds) if (until <= now) assertionIds.delete(key);
      const key = `${clientId} ${jti}`;
      if (assertionIds.has(key)) return false;
      assertionIds.set(key, expiresAt);
      return true;
    },

    clear() {
      clients.clear();
      assertionIds.clear();
    },
  };
}
