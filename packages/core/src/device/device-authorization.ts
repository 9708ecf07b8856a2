// The device authorization endpoint (RFC 8628 §3.1–3.2) without HTTP: a client asks, Gatehouse
// stores a pending authorization and answers the two codes.
import type { AuditLog } from "../audit-log.ts";
import type { ClientGrantType } from "../clients/client.ts";
import type { ClientLookup } from "../clients/client-authentication.ts";
import { authenticateClient, clientSubject } from "../clients/client-authentication.ts";
import type { Clock } from "../clock.ts";
import { AuthError, isAuthError } from "../errors.ts";
import type { LoginThrottle } from "../grants/throttle.ts";
import type { TokenRequestFacts } from "../grants/token-endpoint.ts";
import { readPresentedClient } from "../protocol/client-credentials.ts";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { formatScopes, intersectScopes } from "../scopes.ts";
import type { DeviceCodeStore } from "./device-codes.ts";
import {
  formatUserCode,
  generateDeviceCode,
  generateUserCode,
  hashDeviceCode,
  hashUserCode,
} from "./device-codes.ts";

/** The grant type a client must be allowed to start a device authorization (RFC 8628 §3.4). */
export const DEVICE_CODE_GRANT_TYPE =
  "urn:ietf:params:oauth:grant-type:device_code" satisfies ClientGrantType;

/** How long device codes live and how often devices may poll, in seconds. */
export interface DevicePolicy {
  /** `expires_in`: the user has this long to enter the code and decide. */
  readonly lifetimeSeconds: number;
  /** `interval`: the least time between two polls at `/token` (RFC 8628 §3.2 default: 5). */
  readonly intervalSeconds: number;
}

/** Ten minutes to decide, a poll every five seconds (RFC 8628 §3.2's examples). */
export const defaultDevicePolicy: DevicePolicy = Object.freeze({
  lifetimeSeconds: 600,
  intervalSeconds: 5,
});

/** A device authorization request (RFC 8628 §3.1) after its form was read. */
export interface DeviceAuthorizationRequest {
  /** The raw `scope` parameter; absent asks for every scope the client is allowed. */
  readonly scope?: string | undefined;
  readonly clientId?: string | undefined;
  readonly clientSecret?: string | undefined;
}

/** What a started device authorization answers (RFC 8628 §3.2), before URIs are added. */
export interface StartedDeviceAuthorization {
  readonly deviceCode: string;
  /** As shown to people: `XXXX-XXXX`. */
  readonly userCode: string;
  readonly expiresIn: number;
  readonly interval: number;
}

/** How a device authorization request ended. */
export type DeviceAuthorizationOutcome =
  | { readonly ok: true; readonly started: StartedDeviceAuthorization }
  | { readonly ok: false; readonly error: AuthError };

/** What {@link createDeviceAuthorizationEndpoint} needs. */
export interface DeviceAuthorizationDeps {
  readonly deviceCodes: DeviceCodeStore;
  readonly clients: ClientLookup;
  readonly scopes: ScopeCatalogue;
  readonly clock: Clock;
  readonly audit: AuditLog;
  /** Counts failed client secrets as `/token` does. */
  readonly throttle?: LoginThrottle;
  readonly policy?: DevicePolicy;
}

/** The device authorization endpoint, ready for requests. */
export interface DeviceAuthorizationEndpoint {
  /**
   * Authenticates the client (a confidential client by its secret, a public one by
   * `client_id`), checks it may use the device grant, and stores a pending authorization for the
   * requested scopes it is allowed. Records `device.authorized`. Expected failures come back as
   * the outcome's {@link AuthError}.
   */
  handle(
    request: DeviceAuthorizationRequest,
    facts?: TokenRequestFacts,
  ): Promise<DeviceAuthorizationOutcome>;
}

/** Expired codes are kept this long, so a late poll still hears `expired_token`. */
const expiredRetentionMs = 24 * 60 * 60 * 1000;
/** Expired codes are purged at most this often per endpoint, not on every request. */
const purgeIntervalMs = 60_000;
/** Draws of a user code before giving up; with 20^8 codes a second draw is already rare. */
const maxUserCodeDraws = 5;

/**
 * Builds the device authorization endpoint (RFC 8628 §3.1). The device code is 256 random bits
 * and the user code 8 consonants (`userCodeAlphabet`); only their hashes are stored.
 * @example
 * const endpoint = createDeviceAuthorizationEndpoint({
 *   deviceCodes: store.deviceCodes, clients: store.clients, scopes, clock: systemClock, audit: store.audit,
 * });
 * const outcome = await endpoint.handle({ clientId: "tv-app", scope: "me" });
 * if (outcome.ok) console.log(outcome.started.userCode); // e.g. "WDJB-MJHT"
 */
export function createDeviceAuthorizationEndpoint(
  deps: DeviceAuthorizationDeps,
): DeviceAuthorizationEndpoint {
  const policy = deps.policy ?? defaultDevicePolicy;
  let nextPurge = 0;

  const start = async (
    request: DeviceAuthorizationRequest,
    facts: TokenRequestFacts,
  ): Promise<{ started: StartedDeviceAuthorization; clientId: string; scopes: Scope[] }> => {
    const authenticated = await authenticateClient(
      {
        clients: deps.clients,
        clock: deps.clock,
        ...(deps.throttle === undefined ? {} : { throttle: deps.throttle }),
      },
      readPresentedClient(facts.authorization, request),
      { address: facts.clientAddress ?? undefined },
    );
    // RFC 8628 §3.1: client_id is required of a client that does not authenticate otherwise.
    if (authenticated === undefined) {
      throw new AuthError("invalid_client", "the device authorization needs a client");
    }
    const { client } = authenticated;
    if (!client.grantTypes.includes(DEVICE_CODE_GRANT_TYPE)) {
      throw new AuthError("unauthorized_client", "the client may not use the device grant");
    }
    const requested =
      request.scope === undefined ? deps.scopes.all : deps.scopes.parse(request.scope);
    const scopes = intersectScopes(requested, client.scopes);
    const now = deps.clock.now();
    if (now >= nextPurge) {
      nextPurge = now + purgeIntervalMs;
      await deps.deviceCodes.purgeDeviceCodes(now - expiredRetentionMs);
    }
    const deviceCode = generateDeviceCode();
    for (let draw = 0; draw < maxUserCodeDraws; draw++) {
      const userCode = generateUserCode();
      const stored = await deps.deviceCodes.createDeviceCode(
        {
          deviceCodeHash: hashDeviceCode(deviceCode),
          userCodeHash: hashUserCode(userCode),
          clientId: client.clientId,
          scopes,
          createdAt: now,
          expiresAt: now + policy.lifetimeSeconds * 1000,
          intervalSeconds: policy.intervalSeconds,
        },
        now,
      );
      if (stored) {
        const started = {
          deviceCode,
          userCode: formatUserCode(userCode),
          expiresIn: policy.lifetimeSeconds,
          interval: policy.intervalSeconds,
        };
        return { started, clientId: client.clientId, scopes };
      }
    }
    // Five draws all taken means billions of live codes: no expected failure, a broken store.
    throw new Error("no free user code after several draws");
  };

  return {
    async handle(request, facts = {}) {
      try {
        const { started, clientId, scopes } = await start(request, facts);
        await deps.audit.record({
          type: "device.authorized",
          actor: clientSubject(clientId),
          subject: clientSubject(clientId),
          clientAddress: facts.clientAddress ?? null,
          requestId: facts.requestId ?? null,
          reason: null,
          details: { client_id: clientId, scope: formatScopes(scopes) },
        });
        return { ok: true, started };
      } catch (error) {
        if (!isAuthError(error)) throw error;
        return { ok: false, error };
      }
    },
  };
}
