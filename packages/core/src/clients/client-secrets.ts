// Client ids and secrets: generating them, the stored form of a secret, and checking one presented.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { ClientRecord } from "./client.ts";

/** A client secret, as Gatehouse generates it and shows it once. */
export interface GeneratedClientSecret {
  /** The secret itself: 32 random bytes, base64url. Never stored, logged or shown again. */
  readonly secret: string;
  /** What the store keeps: {@link hashClientSecret} of `secret`. */
  readonly secretHash: string;
}

/**
 * Makes a new `client_id`: 16 random bytes, base64url (22 characters of `A-Z a-z 0-9 - _`).
 * Opaque, URL-safe and free of `:`, so it can stand in HTTP Basic credentials and be prefixed.
 */
export function generateClientId(): string {
  // A leading `-` would read as an option on a command line (`gatehouse clients delete -x…`),
  // so an id starts with a letter or digit; the draw is repeated (1 in 32 starts with `-` or `_`).
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (/^[A-Za-z0-9]/.test(id)) return id;
  }
}

/**
 * Makes a new client secret and its stored form. 256 bits of randomness: no one guesses it, so
 * it needs no slow hash — SHA-256 keeps a stolen database from yielding usable secrets.
 */
export function generateClientSecret(): GeneratedClientSecret {
  const secret = randomBytes(32).toString("base64url");
  return { secret, secretHash: hashClientSecret(secret) };
}

/** The stored form of a client secret: its SHA-256, lower-case hex (64 characters). */
export function hashClientSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

const storedHash = /^[0-9a-f]{64}$/;

// Compared against when there is no hash to compare with, so every call does the same work.
const dummyDigest = createHash("sha256").update("gatehouse: no client secret").digest();

function digestOf(hash: string | null): { readonly digest: Buffer; readonly real: boolean } {
  if (hash === null || !storedHash.test(hash)) return { digest: dummyDigest, real: false };
  return { digest: Buffer.from(hash, "hex"), real: true };
}

/**
 * Tells whether `presented` is the secret of `client`: its current secret, or the one its last
 * rotation replaced while `now` (milliseconds) is before `previousSecretExpiresAt`.
 *
 * Timing-safe: the presented secret is hashed once and compared with `crypto.timingSafeEqual`
 * against both stored digests every time (a dummy digest standing in for a missing one), and for
 * an unknown client (`undefined`) too, so the time taken does not tell whether the client exists,
 * is public, or was rotated. A public client has no secret and is never authenticated by one.
 * Whether the client is disabled is for the caller to check; this looks at secrets only.
 */
export function verifyClientSecret(
  client:
    | Pick<ClientRecord, "secretHash" | "previousSecretHash" | "previousSecretExpiresAt">
    | undefined,
  presented: string,
  now: number,
): boolean {
  const digest = createHash("sha256").update(presented, "utf8").digest();
  const current = digestOf(client?.secretHash ?? null);
  const previous = digestOf(client?.previousSecretHash ?? null);
  const previousLive =
    client?.previousSecretExpiresAt != null && now < client.previousSecretExpiresAt;
  // Both comparisons always run; `&&` below only combines booleans already computed.
  const matchesCurrent = timingSafeEqual(digest, current.digest);
  const matchesPrevious = timingSafeEqual(digest, previous.digest);
  return (current.real && matchesCurrent) || (previous.real && previousLive && matchesPrevious);
}
