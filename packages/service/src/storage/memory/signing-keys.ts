// The SigningKeyStore in process memory, with the same ordering and atomicity as the SQL one.
import type { SigningKeyRecord, SigningKeyStore } from "gatehouse-auth-core/keys/signing-keys";

const newestFirst = (a: SigningKeyRecord, b: SigningKeyRecord): number =>
  b.activatedAt - a.activatedAt || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0);

/** The signing-key part of the memory store; `clear` empties it when the store closes. */
export function createMemorySigningKeys(): SigningKeyStore & { clear(): void } {
  const keys = new Map<string, SigningKeyRecord>();
  const newestActive = (): SigningKeyRecord | undefined =>
    [...keys.values()].filter((key) => key.retiresAt === null).sort(newestFirst)[0];
  const insert = (candidate: SigningKeyRecord): SigningKeyRecord => {
    // The SQL adapters' primary key: a kid is never reused.
    if (keys.has(candidate.kid)) throw new TypeError("a signing key with this kid exists");
    const stored = { ...candidate, retiresAt: null };
    keys.set(stored.kid, stored);
    return { ...stored };
  };

  return {
    async ensureSigningKey(candidate) {
      const current = newestActive();
      return current === undefined ? insert(candidate) : { ...current };
    },

    async listSigningKeys() {
      return [...keys.values()].sort(newestFirst).map((key) => ({ ...key }));
    },

    async rotateSigningKey(candidate, retiresAt) {
      if (keys.has(candidate.kid)) throw new TypeError("a signing key with this kid exists");
      for (const key of keys.values()) {
        if (key.retiresAt === null) keys.set(key.kid, { ...key, retiresAt });
      }
      return insert(candidate);
    },

    clear() {
      keys.clear();
    },
  };
}
