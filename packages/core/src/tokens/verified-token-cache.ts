// A bounded memory of tokens that already passed the signature and shape checks.

/**
 * Remembers what verifying a token string found, so the same string seen again skips the
 * signature, header and claims checks. Keys are the exact token strings, so a hit can only be the
 * very token that was verified; time claims are not the cache's business and must be checked by
 * the caller on every use, hit or not.
 */
export interface VerifiedTokenCache<Entry> {
  get(token: string): Entry | undefined;
  set(token: string, entry: Entry): void;
}

/**
 * Creates a cache holding at most `capacity` tokens; when full, the oldest entry makes room.
 * A capacity of 0 remembers nothing.
 * @throws {RangeError} when `capacity` is negative or not an integer
 */
export function createVerifiedTokenCache<Entry>(capacity: number): VerifiedTokenCache<Entry> {
  if (!Number.isSafeInteger(capacity) || capacity < 0) {
    throw new RangeError(`cache capacity must be a whole number of at least 0, got ${capacity}`);
  }
  const entries = new Map<string, Entry>();
  return {
    get: (token) => entries.get(token),
    set(token, entry) {
      if (capacity === 0 || entries.has(token)) return;
      if (entries.size >= capacity) {
        // Maps iterate in insertion order: the first key is the oldest.
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      entries.set(token, entry);
    },
  };
}
