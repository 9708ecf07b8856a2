// The replaced FastAPI app's secret as a key source, accepted only until the migration window closes.
import type { Clock } from "../clock.ts";
import { deriveKeyId, minSecretBytes, type SigningKey } from "../keys/token-keys.ts";

/**
 * The key of the FastAPI app Gatehouse replaces (the seed's HS256 `SECRET_KEY`), for a token
 * verifier to accept that app's tokens — HS256, `typ: JWT` or none, no `kid`, scopes in a
 * `scopes` list — while the migration window is open.
 */
export interface LegacyKeySource {
  /** The shared secret as an HS256 key; its `kid` is derived and never compared with a token's. */
  readonly key: SigningKey;
  /** Tells whether legacy tokens are still accepted now. */
  isOpen(): boolean;
}

/** Options of {@link createLegacyKeySource}. */
export interface LegacyKeySourceOptions {
  /** The FastAPI app's `SECRET_KEY`, as bytes. */
  readonly secret: Buffer;
  readonly clock: Clock;
  /** Milliseconds since the epoch; legacy tokens are refused from this moment on. */
  readonly acceptUntil: number;
}

/**
 * Creates the key source for FastAPI-issued tokens. The algorithm is pinned to HS256 whatever a
 * token's header says.
 * @throws {RangeError} when the secret is shorter than 32 bytes
 */
export function createLegacyKeySource(options: LegacyKeySourceOptions): LegacyKeySource {
  const { secret, clock, acceptUntil } = options;
  if (secret.length < minSecretBytes) {
    throw new RangeError(`an HS256 secret needs at least ${minSecretBytes} bytes`);
  }
  return {
    key: { kid: deriveKeyId(secret), algorithm: "HS256", secret },
    isOpen: () => clock.now() < acceptUntil,
  };
}
