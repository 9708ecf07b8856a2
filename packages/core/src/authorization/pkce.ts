// PKCE (RFC 7636) with the S256 method only: the challenge a client sends to /authorize and the
// verifier it proves it at /token with.
import { createHash, timingSafeEqual } from "node:crypto";

// RFC 7636 §4.1: code-verifier = 43*128unreserved.
const verifierPattern = /^[A-Za-z0-9\-._~]{43,128}$/;
// RFC 7636 §4.2: S256's challenge is BASE64URL(SHA256(verifier)), always 43 characters.
const challengePattern = /^[A-Za-z0-9_-]{43}$/;

/** Tells whether `value` has the shape of an S256 code challenge. */
export function isS256CodeChallenge(value: string): boolean {
  return challengePattern.test(value);
}

/** Tells whether `value` is a code verifier as RFC 7636 §4.1 allows it. */
export function isCodeVerifier(value: string): boolean {
  return verifierPattern.test(value);
}

/** The S256 challenge of `verifier`: BASE64URL(SHA256(ASCII(verifier))). */
export function s256CodeChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/**
 * Tells whether `verifier` proves `challenge` (RFC 7636 §4.6, S256), comparing in constant time
 * so the answer's timing says nothing about how much of a guess was right.
 */
export function verifiesCodeChallenge(verifier: string, challenge: string): boolean {
  if (!isCodeVerifier(verifier) || !isS256CodeChallenge(challenge)) return false;
  const computed = Buffer.from(s256CodeChallenge(verifier), "ascii");
  const expected = Buffer.from(challenge, "ascii");
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
