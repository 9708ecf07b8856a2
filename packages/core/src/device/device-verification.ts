// The user's side of the device grant (RFC 8628 §3.3): a signed-in user enters the user code,
// sees what the device asks for, and approves or denies — with guessing rate-limited (§5.1).
import { createHash } from "node:crypto";
import type { AuditLog } from "../audit-log.ts";
import type { ClientLookup } from "../clients/client-authentication.ts";
import type { Clock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import type { KeyedAttempt, ThrottleRule, ThrottleStore } from "../grants/throttle-store.ts";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { formatScopes, intersectScopes } from "../scopes.ts";
import type { UserStore } from "../users/user.ts";
import { DEVICE_CODE_GRANT_TYPE } from "./device-authorization.ts";
import type { DeviceCodeRecord, DeviceCodeStore } from "./device-codes.ts";
import { formatUserCode, hashUserCode, normalizeUserCode } from "./device-codes.ts";

/** How wrong user codes are limited: per signed-in user and per client address. */
export interface UserCodeThrottlePolicy {
  readonly user: ThrottleRule;
  readonly address: ThrottleRule;
}

/**
 * 5 wrong codes per user and 20 per address within an hour, then locks of 1 s doubling up to
 * 15 minutes, as logins. With 20^8 codes and a handful live at once, a user guessing at that
 * pace needs hundreds of years for an even chance.
 */
export const defaultUserCodeThrottlePolicy: UserCodeThrottlePolicy = Object.freeze({
  user: Object.freeze({
    freeFailures: 5,
    baseDelayMs: 1000,
    maxDelayMs: 900_000,
    windowMs: 3_600_000,
  }),
  address: Object.freeze({
    freeFailures: 20,
    baseDelayMs: 1000,
    maxDelayMs: 900_000,
    windowMs: 3_600_000,
  }),
});

/** Who is entering a code: the signed-in user, and where the request came from. */
export interface DeviceVerifierCaller {
  readonly username: string;
  readonly clientAddress: string | null;
  readonly requestId: string | null;
}

/** A pending device authorization as the user is asked to decide on it. */
export interface PendingDeviceAuthorization {
  /** The code as shown to people, `XXXX-XXXX`. */
  readonly userCode: string;
  readonly clientId: string;
  readonly clientName: string;
  /** The scopes the device asked for that are in the catalogue. */
  readonly scopes: readonly Scope[];
}

/** What {@link createDeviceVerifier} needs. */
export interface DeviceVerifierDeps {
  readonly deviceCodes: DeviceCodeStore;
  readonly clients: ClientLookup;
  readonly users: Pick<UserStore, "findByUsername">;
  readonly scopes: ScopeCatalogue;
  /** The throttle's counters, in the store so the limit holds across instances. */
  readonly throttle: ThrottleStore;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly policy?: UserCodeThrottlePolicy;
}

/** The `/device` page's logic without HTML. */
export interface DeviceVerifier {
  /**
   * Finds the pending authorization a typed user code names (case, dashes and spaces ignored).
   * Each well-formed code is counted against the caller's and the address's limits before it is
   * looked up; a right one is taken back, a wrong one stays counted and is audited.
   * @throws {AuthError} user_code_invalid for an unknown, expired, decided or malformed code
   * @throws {AuthError} throttled while the caller or the address is locked
   */
  lookUp(input: string, caller: DeviceVerifierCaller): Promise<PendingDeviceAuthorization>;
  /**
   * Records the caller's decision, after the same counted lookup: an approval grants the
   * requested scopes the caller is allowed. Records `device.approved` or `device.denied`.
   * @throws {AuthError} user_code_invalid, throttled as {@link lookUp}
   * @throws {AuthError} inactive_user when the caller is disabled or gone
   */
  decide(input: string, approved: boolean, caller: DeviceVerifierCaller): Promise<DeviceCodeRecord>;
}

const wrongCode = (): AuthError => new AuthError("user_code_invalid", "no such pending user code");

/**
 * Builds the device verifier. Wrong codes are counted in the throttle store under keys of their
 * own (`device-user:`, `device-address:`), so they never lock the account's logins, and a right
 * code takes back only its own count — entering a code of one's own does not wipe earlier
 * wrong guesses.
 */
export function createDeviceVerifier(deps: DeviceVerifierDeps): DeviceVerifier {
  const policy = deps.policy ?? defaultUserCodeThrottlePolicy;
  // A lookup is one store read; a place it never settles (a crash) lapses after this.
  const userCodeLeaseMs = 30_000;

  const attemptsOf = (caller: DeviceVerifierCaller): [KeyedAttempt, ...KeyedAttempt[]] => {
    const user: KeyedAttempt = {
      key: `device-user:${createHash("sha256").update(caller.username, "utf8").digest("base64url")}`,
      rule: policy.user,
    };
    return caller.clientAddress === null
      ? [user]
      : [
          { key: `device-address:${caller.clientAddress.toLowerCase()}`, rule: policy.address },
          user,
        ];
  };

  const find = async (
    input: string,
    caller: DeviceVerifierCaller,
  ): Promise<{ record: DeviceCodeRecord; clientName: string; userCode: string }> => {
    // A malformed code cannot match any stored one: refused without counting, so a typo costs
    // nothing, and it tells a guesser nothing either.
    const normalized = normalizeUserCode(input);
    if (normalized === undefined) throw wrongCode();
    const attempts = attemptsOf(caller);
    const now = deps.clock.now();
    const decision = await deps.throttle.reserveAttempts(attempts, now, userCodeLeaseMs);
    if (decision.kind === "locked") {
      const retryAfterSeconds = Math.max(1, Math.ceil((decision.lockedUntil - now) / 1000));
      throw new AuthError("throttled", "too many wrong user codes", { retryAfterSeconds });
    }
    // As many lookups in flight as wrong codes are left before the lock: try again in a moment.
    if (decision.kind === "busy") {
      throw new AuthError("throttled", "too many user codes at once", { retryAfterSeconds: 1 });
    }
    const settle = (outcome: "failed" | "released") =>
      deps.throttle.settleAttempts(
        attempts.map((attempt) => ({ ...attempt, outcome })),
        deps.clock.now(),
      );
    let record: DeviceCodeRecord | undefined;
    let client: Awaited<ReturnType<typeof deps.clients.findClient>>;
    try {
      record = await deps.deviceCodes.findUserCode(hashUserCode(normalized));
      client = record === undefined ? undefined : await deps.clients.findClient(record.clientId);
    } catch (error) {
      await settle("released");
      throw error;
    }
    if (
      record === undefined ||
      record.state !== "pending" ||
      record.expiresAt <= now ||
      client === undefined ||
      client.disabled ||
      !client.grantTypes.includes(DEVICE_CODE_GRANT_TYPE)
    ) {
      await settle("failed");
      await deps.audit.record({
        type: "device.user_code_rejected",
        actor: caller.username,
        subject: caller.username,
        clientAddress: caller.clientAddress,
        requestId: caller.requestId,
        reason: "user_code_invalid",
        details: {},
      });
      throw wrongCode();
    }
    // A right code takes back only its own place: the wrong ones before it still count.
    await settle("released");
    return { record, clientName: client.name, userCode: formatUserCode(normalized) };
  };

  return {
    async lookUp(input, caller) {
      const { record, clientName, userCode } = await find(input, caller);
      return {
        userCode,
        clientId: record.clientId,
        clientName,
        scopes: record.scopes.filter((name) => deps.scopes.has(name)),
      };
    },

    async decide(input, approved, caller) {
      const { record } = await find(input, caller);
      const user = await deps.users.findByUsername(caller.username);
      if (user === undefined || user.disabled) {
        throw new AuthError("inactive_user", "the signed-in user is disabled or gone");
      }
      const scopes = intersectScopes(
        record.scopes.filter((name) => deps.scopes.has(name)),
        user.scopes,
      );
      const now = deps.clock.now();
      const decided = await deps.deviceCodes.decideDeviceCode(
        record.userCodeHash,
        approved
          ? { kind: "approved", username: user.username, scopes }
          : { kind: "denied", username: user.username },
        now,
      );
      // Decided or expired between the lookup and now (another tab, another user).
      if (decided === undefined) throw wrongCode();
      await deps.audit.record({
        type: approved ? "device.approved" : "device.denied",
        actor: user.username,
        subject: user.username,
        clientAddress: caller.clientAddress,
        requestId: caller.requestId,
        reason: null,
        details: {
          client_id: record.clientId,
          ...(approved ? { scope: formatScopes(scopes) } : {}),
        },
      });
      return decided;
    },
  };
}
