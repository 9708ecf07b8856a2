// Device proofs (OWASP's "device cookies"): what a device that logged in to an account before
// shows, so the account's lock, which anyone can set, does not refuse it.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Checked } from "../brand.ts";
import type { Clock } from "../clock.ts";
import { accountThrottleKey } from "./throttle.ts";

/** A device proof checked against the account it was presented for: its throttle key. */
export type DeviceKey = Checked<string, "DeviceKey">;

/** Issues and checks device proofs. */
export interface DeviceProofs {
  /**
   * A proof for a device that has just logged in to `username` (bound to its canonical form),
   * valid for the configured lifetime. With `renewing` (the device's key, from {@link check}),
   * the same device is proved again with a new expiry, so its counter carries on.
   */
  issue(username: string, renewing?: DeviceKey): string;
  /**
   * The device's throttle key when `proof` is well-formed, signed by this service for the
   * canonical form of `username` and not expired; `undefined` otherwise (a proof for another
   * account, forged, expired or garbled is simply no proof).
   */
  check(proof: string, username: string): DeviceKey | undefined;
}

/** What {@link createDeviceProofs} needs. */
export interface DeviceProofOptions {
  /** The HMAC key, at least 32 bytes; the same on every instance, so proofs verify anywhere. */
  readonly secret: Uint8Array;
  readonly clock: Clock;
  /** How long a proof is valid (30 days by default, OWASP's example). */
  readonly lifetimeMs?: number;
}

const idPattern = /^[A-Za-z0-9_-]{22}$/;
const macPattern = /^[A-Za-z0-9_-]{43}$/;
const expiryPattern = /^[0-9a-z]{1,12}$/;

/**
 * Builds device proofs signed with HMAC-SHA256: `<device id>.<expiry>.<mac>`, where the id is
 * 16 random bytes and the MAC covers the id, the expiry and the account's throttle key (a digest
 * of the canonical username). Nothing is stored: a proof cannot be revoked one by one; changing
 * the secret revokes them all. The device's failures are counted under `device:<id>`.
 * @throws {RangeError} when the secret is shorter than 32 bytes
 * @example
 * const proofs = createDeviceProofs({ secret, clock: systemClock });
 * const device = proofs.check(presented, "johndoe"); // DeviceKey | undefined
 */
export function createDeviceProofs(options: DeviceProofOptions): DeviceProofs {
  if (options.secret.byteLength < 32) {
    throw new RangeError("a device proof secret must be at least 32 bytes");
  }
  const secret = Buffer.from(options.secret);
  const lifetimeMs = options.lifetimeMs ?? 30 * 86_400_000;
  const mac = (id: string, expiry: string, username: string): Buffer =>
    createHmac("sha256", secret)
      .update(`gatehouse device proof\n${accountThrottleKey(username)}\n${id}\n${expiry}`)
      .digest();
  // The one place a DeviceKey is made, from an id whose proof was just checked or made.
  const keyOf = (id: string): DeviceKey => `device:${id}` as DeviceKey;

  return {
    issue(username, renewing) {
      const id = renewing?.startsWith("device:")
        ? renewing.slice("device:".length)
        : randomBytes(16).toString("base64url");
      const expiry = (options.clock.now() + lifetimeMs).toString(36);
      return `${id}.${expiry}.${mac(id, expiry, username).toString("base64url")}`;
    },
    check(proof, username) {
      const [id, expiry, signature, extra] = proof.split(".");
      if (id === undefined || expiry === undefined || signature === undefined) return undefined;
      if (extra !== undefined || !idPattern.test(id) || !expiryPattern.test(expiry))
        return undefined;
      if (!macPattern.test(signature)) return undefined;
      const expected = mac(id, expiry, username);
      if (!timingSafeEqual(Buffer.from(signature, "base64url"), expected)) return undefined;
      return Number.parseInt(expiry, 36) > options.clock.now() ? keyOf(id) : undefined;
    },
  };
}
