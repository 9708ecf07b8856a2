// Where the token verifier finds the key a token names: the store's key ring, one static key, a JWKS.
import type { TokenKey } from "../keys/token-keys.ts";

/**
 * The keys a token verifier (`createTokenVerifier`) accepts RFC 9068 access tokens from, looked up by the
 * `kid` a token's header names. Implementations: the store's key ring (`createKeyRing`), one
 * static key, HS256 secret or public key (`staticKeySet`), a remote JWK Set (the resource-server
 * guard's). The lookup is synchronous, so verifying never waits on storage or the network; a
 * source that can learn keys later offers `reload`.
 *
 * Each key pins its own algorithm: the verifier checks a token's `alg` against the key it found,
 * never the other way round.
 */
export interface KeySource {
  /** The key with this `kid` if it may verify tokens now; `undefined` for unknown or retired. */
  find(kid: string): TokenKey | undefined;
  /** Re-reads the keys because a token named `kid`, unknown here (rate-limited by the source). */
  reload?(kid: string): Promise<void>;
}
