// The device code grant (RFC 8628 §3.4–3.5): a device polls /token until its user decided.
import type { AuthenticatedClient } from "../clients/client-authentication.ts";
import type { Clock } from "../clock.ts";
import { DEVICE_CODE_GRANT_TYPE } from "../device/device-authorization.ts";
import type { DeviceCodeRecord, DeviceCodeStore } from "../device/device-codes.ts";
import { hashDeviceCode, isDeviceCodeShaped } from "../device/device-codes.ts";
import { AuthError } from "../errors.ts";
import type { ScopeCatalogue } from "../scopes.ts";
import { intersectScopes } from "../scopes.ts";
import type { RefreshFamilyDeps } from "../tokens/refresh-tokens.ts";
import { startRefreshFamily } from "../tokens/refresh-tokens.ts";
import type { TokenService } from "../tokens/tokens.ts";
import type { UserRecord, UserStore } from "../users/user.ts";
import type { IssuedTokens } from "./password-grant.ts";

/** What {@link deviceCodeGrant} needs. */
export interface DeviceCodeGrantDeps {
  readonly deviceCodes: DeviceCodeStore;
  readonly users: UserStore;
  readonly tokens: TokenService;
  readonly scopes: ScopeCatalogue;
  /** When given, a redemption also starts a refresh token family, as a password login does. */
  readonly refresh?: RefreshFamilyDeps;
  readonly clock: Clock;
}

/** Tokens for a redeemed device code, with whose they are. */
export interface RedeemedDeviceCode {
  readonly tokens: IssuedTokens;
  readonly username: string;
}

const invalid = (message: string): AuthError => new AuthError("device_code_invalid", message);

/**
 * Answers one poll of a device code. Checks, in order: a client authenticated and may use the
 * device grant; the code is known and was issued to this client; it has not expired; the poll
 * is not sooner than the interval after the previous one (which then grows by 5 s); the user
 * decided. An approved code is then redeemed in one atomic store step — once only — and tokens
 * are issued for the approved scopes the user and the client still have, provided the user who
 * approved still exists, is active and was not cut off ("log out everywhere", a password change)
 * since approving: the store decides, not the approval.
 * @throws {AuthError} invalid_client, unauthorized_client for the client
 * @throws {AuthError} device_code_invalid for an unknown or spent code, or another client's
 * @throws {AuthError} expired_token, slow_down, authorization_pending, access_denied (RFC 8628 §3.5)
 * @throws {AuthError} inactive_user when the approving user has since been disabled
 */
export async function deviceCodeGrant(
  deps: DeviceCodeGrantDeps,
  authenticated: AuthenticatedClient | undefined,
  deviceCode: string,
): Promise<RedeemedDeviceCode> {
  if (authenticated === undefined) {
    throw new AuthError("invalid_client", "the device grant needs a client");
  }
  const { client } = authenticated;
  if (!client.grantTypes.includes(DEVICE_CODE_GRANT_TYPE)) {
    throw new AuthError("unauthorized_client", "the client may not use the device grant");
  }
  if (!isDeviceCodeShaped(deviceCode)) throw invalid("not a device code");
  const deviceCodeHash = hashDeviceCode(deviceCode);
  const found = await deps.deviceCodes.findDeviceCode(deviceCodeHash);
  // RFC 6749 §5.2: a grant issued to another client is invalid_grant; its polls are not counted.
  if (found === undefined || found.clientId !== client.clientId) {
    throw invalid("unknown device code, or another client's");
  }
  const now = deps.clock.now();
  if (found.expiresAt <= now) {
    throw new AuthError("expired_token", "the device code has expired");
  }
  const poll = await deps.deviceCodes.pollDeviceCode(deviceCodeHash, now);
  if (poll === undefined) throw invalid("the device code is gone");
  if (poll.tooFast) throw new AuthError("slow_down", "polled sooner than the interval");
  switch (poll.record.state) {
    case "pending":
      throw new AuthError("authorization_pending", "the user has not decided yet");
    case "denied":
      throw new AuthError("access_denied", "the user denied the request");
    case "redeemed":
      throw invalid("the device code was redeemed already");
    case "approved":
      break;
    default: {
      const unreachable: never = poll.record.state;
      throw new TypeError(`unhandled device code state ${String(unreachable)}`);
    }
  }
  const redeemed = await deps.deviceCodes.redeemDeviceCode(deviceCodeHash, now);
  // Lost the race with a concurrent poll of the same code, or it expired in between.
  if (redeemed === undefined) throw invalid("the device code was redeemed already");
  const user = await approver(deps, redeemed);
  const granted = intersectScopes(
    intersectScopes(
      redeemed.grantedScopes.filter((name) => deps.scopes.has(name)),
      user.scopes,
    ),
    client.scopes,
  );
  const issuedAtMs = deps.refresh?.clock.now();
  const refreshToken =
    deps.refresh === undefined || issuedAtMs === undefined
      ? undefined
      : await startRefreshFamily(
          deps.refresh,
          { username: user.username, scopes: granted, clientId: client.clientId },
          issuedAtMs,
        );
  // Read again after the family is stored, as the password grant does: a cut-off written
  // meanwhile either sees the family (and revokes it) or is seen here.
  await approver(deps, redeemed, user);
  const issued = deps.tokens.issue(user.username, granted, {
    clientId: client.clientId,
    audiences: client.audiences,
    issuedAtMs,
  });
  return {
    tokens: refreshToken === undefined ? issued : { ...issued, refreshToken },
    username: user.username,
  };
}

/**
 * The user who approved `record`, as the store has them now; refused when gone, created again,
 * disabled, cut off after the approval, or changed since `checked` was read.
 */
async function approver(
  deps: DeviceCodeGrantDeps,
  record: DeviceCodeRecord,
  checked?: UserRecord,
): Promise<UserRecord> {
  const decidedAt = record.decidedAt ?? 0;
  const user =
    record.username === null ? undefined : await deps.users.findByUsername(record.username);
  if (user === undefined || user.createdAt > decidedAt) {
    throw invalid("the approving user no longer exists");
  }
  if (user.disabled) throw new AuthError("inactive_user", "the approving user is disabled");
  if (user.tokensValidAfter !== null && user.tokensValidAfter > decidedAt) {
    throw invalid("the approving user's tokens were taken back after the approval");
  }
  if (checked !== undefined && user.tokensValidAfter !== checked.tokensValidAfter) {
    throw invalid("the approving user's tokens were taken back while redeeming");
  }
  return user;
}
