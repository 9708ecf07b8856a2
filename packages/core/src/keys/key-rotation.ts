// Rotating the signing key: a new key signs from now on; the old one verifies until its tokens are gone.
import type { Clock } from "../clock.ts";
import { generateSigningKey } from "./key-material.ts";
import { keyRefreshIntervalSeconds } from "./key-ring.ts";
import type { SigningAlgorithm, SigningKeyRecord, SigningKeyStore } from "./signing-keys.ts";

/**
 * Slack added to a superseded key's life beyond the token lifetime: clocks of other machines
 * may run this far ahead or behind.
 */
export const clockSkewSeconds = 60;

/** What {@link rotateSigningKey} needs. */
export interface RotateSigningKeyDeps {
  readonly store: SigningKeyStore;
  readonly clock: Clock;
}

/** The outcome of a rotation. */
export interface Rotation {
  /** The new active key. */
  readonly key: SigningKeyRecord;
  /** When the keys it superseded stop verifying (milliseconds since the epoch). */
  readonly previousRetireAt: number;
}

/**
 * The instant from which keys superseded at `now` are refused: after the longest token they may
 * still sign has expired. Other instances keep signing with the old key until their next key
 * refresh, so that interval counts too, plus {@link clockSkewSeconds}.
 */
export function retirementTime(now: number, tokenLifetimeSeconds: number): number {
  return now + (tokenLifetimeSeconds + keyRefreshIntervalSeconds + clockSkewSeconds) * 1000;
}

/**
 * Generates a new `algorithm` key and makes it the active signer; every previously active key
 * keeps verifying until {@link retirementTime}, then is refused.
 */
export async function rotateSigningKey(
  deps: RotateSigningKeyDeps,
  options: { readonly algorithm: SigningAlgorithm; readonly tokenLifetimeSeconds: number },
): Promise<Rotation> {
  const now = deps.clock.now();
  const previousRetireAt = retirementTime(now, options.tokenLifetimeSeconds);
  const key = await deps.store.rotateSigningKey(
    generateSigningKey(options.algorithm, now),
    previousRetireAt,
  );
  return { key, previousRetireAt };
}
