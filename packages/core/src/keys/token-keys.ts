// Keys a token service signs and verifies with: their shapes, ids, and compiled signer/verifier.
import { createHash } from "node:crypto";
import { createSigner, createVerifier } from "fast-jwt";

/** A shared-secret key (HS256) in memory, ready to sign and verify. */
export interface SigningKey {
  readonly kid: string;
  readonly algorithm: "HS256";
  readonly secret: Buffer;
}

/** An asymmetric key (EdDSA over Ed25519, or ES256 over P-256) in memory, as PEM text. */
export interface KeyPair {
  readonly kid: string;
  readonly algorithm: "EdDSA" | "ES256";
  /** SPKI PEM. */
  readonly publicKey: string;
  /** PKCS#8 PEM; `undefined` for a key that only verifies. */
  readonly privateKey: string | undefined;
}

/** Any key the token service signs or verifies with; its `algorithm` is pinned to it. */
export type TokenKey = SigningKey | KeyPair;

/**
 * The keys a token service uses, which may change while it runs (rotation). Both lookups are
 * synchronous, so verifying never waits on storage.
 */
export interface TokenKeySet {
  /** The key new tokens are signed with. */
  signer(): TokenKey;
  /** The key with this `kid` if it may verify tokens now; `undefined` for unknown or retired. */
  find(kid: string): TokenKey | undefined;
  /** Re-reads the keys because a token named `kid`, unknown here (rate-limited by the set). */
  reload?(kid: string): Promise<void>;
}

// RFC 7518 §3.2: an HS256 key at least as long as the hash.
const minSecretBytes = 32;

/** Derives a key id from a secret without revealing it (a truncated SHA-256). */
export function deriveKeyId(secret: Buffer): string {
  return createHash("sha256")
    .update("gatehouse-kid\u0000")
    .update(secret)
    .digest("base64url")
    .slice(0, 16);
}

/**
 * The `kid` a compact JWS names, read without verifying anything — only to pick the key that
 * will verify it. `undefined` when the header is not a JSON object with a string `kid`.
 */
export function peekKeyId(token: string): string | undefined {
  const dot = token.indexOf(".");
  if (dot <= 0) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), "base64url").toString());
    if (typeof header !== "object" || header === null || !("kid" in header)) return undefined;
    return typeof header.kid === "string" ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** A key made ready: its signer (none for a verify-only key) and its verifier. */
export interface CompiledKey {
  readonly sign: ((claims: Record<string, unknown>) => string) | undefined;
  readonly check: (token: string) => { header: unknown; payload: unknown };
}

/** Compiles `key` into its signer and verifier, each pinned to the key's own algorithm.
 * @throws {RangeError} when an HS256 secret is shorter than 32 bytes
 */
export function compileKey(key: TokenKey): CompiledKey {
  if (key.algorithm === "HS256" && key.secret.length < minSecretBytes) {
    throw new RangeError(`an HS256 secret needs at least ${minSecretBytes} bytes`);
  }
  const signingKey = key.algorithm === "HS256" ? key.secret : key.privateKey;
  // Each key verifies with its own public half (or secret) and only its own algorithm, so an
  // HS256 token "signed" with a public key's bytes never meets an HMAC check (RFC 8725 §3.1).
  const verifyingKey = key.algorithm === "HS256" ? key.secret : key.publicKey;
  return {
    sign:
      signingKey === undefined
        ? undefined
        : createSigner({
            key: signingKey,
            algorithm: key.algorithm,
            kid: key.kid,
            header: { alg: key.algorithm, typ: "at+jwt" },
          }),
    // Time claims are checked by the service against the injected clock, on every call, cache
    // hit or not; the service keeps its own cache of verified tokens.
    check: createVerifier({
      key: verifyingKey,
      algorithms: [key.algorithm],
      complete: true,
      ignoreExpiration: true,
      ignoreNotBefore: true,
    }),
  };
}

/** A key set of one fixed key. */
export function staticKeySet(key: TokenKey): TokenKeySet {
  return { signer: () => key, find: (kid) => (kid === key.kid ? key : undefined) };
}
