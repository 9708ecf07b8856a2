// The SigningKeyStore in process memory, with the same ordering and atomicity as the SQL one.
import type { SigningKeyRecord, SigningKeyStore } from "gatehouse-auth-core/keys/signing-keys";
import type { NewChangeEvent } from "../rows/change-event-row.ts";

const newestFirst = (a: SigningKeyRecord, b: SigningKeyRecord): number =>
  b.activatedAt - a.activatedAt || (a.kid < b.kid ? 1 : a.kid > b.kid ? -1 : 0);

/**
 * The signing-key part of the memory store; `clear` empties it when the store closes. A key
 * stored or superseded is passed to `appendChange`.
 */
export function createMemorySigningKeys(
  appendChange: (event: NewChangeEvent) => void,
): SigningKeyStore & { clear(): void } {
  const keys = new Map<string, SigningKeyRecord>();
  const newestActive = (): SigningKeyRecord | undefined =>
    [...keys.values()].filter((key) => key.retiresAt === null).sort(newestFirst)[0];
  const insert = (candidate: SigningKeyRecord): SigningKeyRecord => {
    // The SQL adapters' primary key: a kid is never reused.
    if (keys.has(candidate.kid)) throw new TypeError("a signing key with this kid exists");
    const stored = { ...candidate, retiresAt: null };
    keys.set(stored.kid, stored);
    appendChange({ kind: "signing_key_changed", keyId: stored.kid });
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
        if (key.retiresAt !== null) continue;
        keys.set(key.kid, { ...key, retiresAt });
        appendChange({ kind: "signing_key_changed", keyId: key.kid });
      }
      return insert(candidate);
    },

    clear() {
      keys.clear();
    },
  };
}
