// Keys a token service signs and verifies with: their shapes, ids, and compiled signer/verifier.
import { createHash } from "node:crypto";
import { createSigner, createVerifier } from "fast-jwt";
import type { KeySource } from "../tokens/key-source.ts";

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
 * The keys a token service uses, which may change while it runs (rotation): the key source it
 * verifies with, plus the key it signs with. Both lookups are synchronous, so neither issuing
 * nor verifying waits on storage.
 */
export interface TokenKeySet extends KeySource {
  /** The key new tokens are signed with. */
  signer(): TokenKey;
}

/** RFC 7518 §3.2: an HS256 key at least as long as the hash, in bytes. */
export const minSecretBytes = 32;

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
  return peekHeader(token)?.kid;
}

/** The members of a JWS header read before verifying: only to choose a key, trusted for nothing. */
export interface UnverifiedHeader {
  readonly kid: string | undefined;
  readonly typ: string | undefined;
}

/**
 * Reads `kid` and `typ` of a compact JWS's header without verifying anything. `undefined` when
 * the header is not a JSON object; a member that is not a string reads as `undefined`.
 */
export function peekHeader(token: string): UnverifiedHeader | undefined {
  const dot = token.indexOf(".");
  if (dot <= 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, dot), "base64url").toString());
  } catch {
    return undefined;
  }
  if (typeof header !== "object" || header === null) return undefined;
  const kid = "kid" in header && typeof header.kid === "string" ? header.kid : undefined;
  const typ = "typ" in header && typeof header.typ === "string" ? header.typ : undefined;
  return { kid, typ };
}

/** A key's compiled signature check: the decoded header and payload, or a throw. */
export type TokenCheck = (token: string) => { header: unknown; payload: unknown };

function assertSecretLength(key: TokenKey): void {
  if (key.algorithm === "HS256" && key.secret.length < minSecretBytes) {
    throw new RangeError(`an HS256 secret needs at least ${minSecretBytes} bytes`);
  }
}

/**
 * Compiles `key` into its signer, pinned to the key's own algorithm; `undefined` for a key that
 * only verifies (a public key without its private half).
 * @throws {RangeError} when an HS256 secret is shorter than 32 bytes
 */
export function compileSigner(
  key: TokenKey,
): ((claims: Record<string, unknown>) => string) | undefined {
  assertSecretLength(key);
  const signingKey = key.algorithm === "HS256" ? key.secret : key.privateKey;
  if (signingKey === undefined) return undefined;
  return createSigner({
    key: signingKey,
    algorithm: key.algorithm,
    kid: key.kid,
    header: { alg: key.algorithm, typ: "at+jwt" },
  });
}

/**
 * Compiles `key` into its signature check, accepting only the key's own algorithm.
 * @throws {RangeError} when an HS256 secret is shorter than 32 bytes
 */
export function compileVerifier(key: TokenKey): TokenCheck {
  assertSecretLength(key);
  // Each key verifies with its own public half (or secret) and only its own algorithm, so an
  // HS256 token "signed" with a public key's bytes never meets an HMAC check (RFC 8725 §3.1).
  // Time claims are checked by the verifier against the injected clock, on every call, cache
  // hit or not; the verifier keeps its own cache of verified tokens.
  return createVerifier({
    key: key.algorithm === "HS256" ? key.secret : key.publicKey,
    algorithms: [key.algorithm],
    complete: true,
    ignoreExpiration: true,
    ignoreNotBefore: true,
  });
}

/** A key set of one fixed key. */
export function staticKeySet(key: TokenKey): TokenKeySet {
  return { signer: () => key, find: (kid) => (kid === key.kid ? key : undefined) };
}
