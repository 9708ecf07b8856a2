// Signing keys as the store keeps them. Private material never leaves the process.

/** The JWS algorithms Gatehouse signs with. */
export type SigningAlgorithm = "HS256";

/** A key the token service can sign and verify with. */
export interface SigningKeyRecord {
  /** Key id, written as `kid` in every token header. */
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  /** The secret: base64url of the raw bytes for HS256. */
  readonly secret: string;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** Where signing keys live, so every instance sharing a database signs with the same key. */
export interface SigningKeyStore {
  /**
   * Stores `candidate` if the store holds no signing key yet, and returns the key in force —
   * the candidate, or the one another instance stored first.
   */
  ensureSigningKey(candidate: SigningKeyRecord): Promise<SigningKeyRecord>;
}
