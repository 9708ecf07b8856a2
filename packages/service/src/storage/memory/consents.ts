// Consents in process memory.
import type { Consent, ConsentStore } from "gatehouse-auth-core/authorization/consents";
import { AuthError } from "gatehouse-auth-core/errors";

/** The memory {@link ConsentStore}, with what the memory store needs to keep it in step. */
export interface MemoryConsents extends ConsentStore {
  /** Drops the consents of a deleted user, as the SQL schemas' ON DELETE CASCADE does. */
  forgetUser(username: string): void;
  clear(): void;
}

const keyOf = (username: string, clientId: string): string => JSON.stringify([username, clientId]);
const copy = (consent: Consent): Consent => ({ ...consent, scopes: [...consent.scopes] });

/** Creates an empty memory {@link ConsentStore}; `userExists` stands in for the foreign key. */
export function createMemoryConsents(userExists: (username: string) => boolean): MemoryConsents {
  const consents = new Map<string, Consent>();
  return {
    async findConsent(username, clientId) {
      const consent = consents.get(keyOf(username, clientId));
      return consent === undefined ? undefined : copy(consent);
    },
    async saveConsent(consent) {
      if (!userExists(consent.username)) {
        throw new AuthError("user_not_found", "no user with this username");
      }
      consents.set(keyOf(consent.username, consent.clientId), copy(consent));
    },
    async listConsents(username) {
      return [...consents.values()]
        .filter((consent) => consent.username === username)
        .sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0))
        .map(copy);
    },
    async revokeConsent(username, clientId) {
      return consents.delete(keyOf(username, clientId));
    },
    forgetUser(username) {
      for (const [key, consent] of consents) {
        if (consent.username === username) consents.delete(key);
      }
    },
    clear() {
      consents.clear();
    },
  };
}
