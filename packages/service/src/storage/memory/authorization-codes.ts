// Authorization codes in process memory.
import type {
  AuthorizationCodeRecord,
  AuthorizationCodeStore,
} from "gatehouse-auth-core/authorization/authorization-codes";
import { AuthError } from "gatehouse-auth-core/errors";

/** The memory {@link AuthorizationCodeStore}, with what the memory store needs to keep it in step. */
export interface MemoryAuthorizationCodes extends AuthorizationCodeStore {
  /** Drops the codes of a deleted user, as the SQL schemas' ON DELETE CASCADE does. */
  forgetUser(username: string): void;
  clear(): void;
}

const copy = (record: AuthorizationCodeRecord): AuthorizationCodeRecord => ({
  ...record,
  scopes: [...record.scopes],
  issued: record.issued === null ? null : { ...record.issued },
});

/** Creates an empty memory {@link AuthorizationCodeStore}; `userExists` stands in for the foreign key. */
export function createMemoryAuthorizationCodes(
  userExists: (username: string) => boolean,
): MemoryAuthorizationCodes {
  const codes = new Map<string, AuthorizationCodeRecord>();
  return {
    async createAuthorizationCode(code) {
      if (!userExists(code.username)) {
        throw new AuthError("user_not_found", "no user with this username");
      }
      codes.set(code.codeHash, copy({ ...code, usedAt: null, issued: null }));
    },
    async findAuthorizationCode(codeHash) {
      const record = codes.get(codeHash);
      return record === undefined ? undefined : copy(record);
    },
    // Check and write happen without an await between them: one atomic step on one event loop.
    async redeemAuthorizationCode(codeHash, now, issued) {
      const record = codes.get(codeHash);
      if (record === undefined || record.usedAt !== null || record.expiresAt <= now) return false;
      codes.set(codeHash, { ...record, usedAt: now, issued: { ...issued } });
      return true;
    },
    async purgeAuthorizationCodes(before) {
      let purged = 0;
      for (const [hash, record] of codes) {
        if (record.expiresAt < before && codes.delete(hash)) purged++;
      }
      return purged;
    },
    forgetUser(username) {
      for (const [hash, record] of codes) {
        if (record.username === username) codes.delete(hash);
      }
    },
    clear() {
      codes.clear();
    },
  };
}
