// Signing keys as the store keeps them, and their lifecycle. Private material never leaves the process.

/** The JWS algorithms Gatehouse signs with. */
export type SigningAlgorithm = "HS256" | "EdDSA" | "ES256";

/** Every {@link SigningAlgorithm}, the default for new installs first. */
export const signingAlgorithms = ["EdDSA", "ES256", "HS256"] as const satisfies readonly [
  SigningAlgorithm,
  ...SigningAlgorithm[],
];

/**
 * Where a key is in its life, derived from its times so every instance agrees at every instant
 * without a job flipping a column: `active` signs new tokens; `verifying` was superseded and
 * still verifies the tokens it signed until `retiresAt`; `retired` is refused.
 */
export type SigningKeyStatus = "active" | "verifying" | "retired";

/** A key as the store keeps it. */
export interface SigningKeyRecord {
  /** Key id, written as `kid` in every token header. */
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  /**
   * The private material: base64url of the raw bytes for HS256, the PKCS#8 PEM of the private
   * key for EdDSA and ES256. Never logged, printed or served.
   */
  readonly secret: string;
  /** The public key as JWK JSON text (EdDSA, ES256); `null` for a shared secret. */
  readonly publicJwk: string | null;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** When the key became the signer, in milliseconds since the epoch. */
  readonly activatedAt: number;
  /** `null` while the key signs; once superseded, the instant from which it is refused. */
  readonly retiresAt: number | null;
}

/** Where signing keys live, so every instance sharing a database signs with the same key. */
export interface SigningKeyStore {
  /**
   * Stores `candidate` as the active key if the store holds no active key yet, and returns the
   * key in force — the candidate, or the one another instance stored first. Atomic.
   */
  ensureSigningKey(candidate: SigningKeyRecord): Promise<SigningKeyRecord>;
  /** Every key, retired ones included, the most recently activated first. */
  listSigningKeys(): Promise<readonly SigningKeyRecord[]>;
  /**
   * Atomically supersedes every active key (each then retires at `retiresAt`) and stores
   * `candidate` as the one active key. Returns the stored candidate.
   */
  rotateSigningKey(candidate: SigningKeyRecord, retiresAt: number): Promise<SigningKeyRecord>;
}

/** Where `key` is in its life at `now` (milliseconds since the epoch). */
export function signingKeyStatus(key: SigningKeyRecord, now: number): SigningKeyStatus {
  if (key.retiresAt === null) return "active";
  return now < key.retiresAt ? "verifying" : "retired";
}
