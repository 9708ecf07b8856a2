// The token endpoint (RFC 6749 §3.2) without HTTP: runs the grant a request names, throttles the
// password grant and writes every outcome of every grant to the audit trail.
import type { AuditDetails, AuditEventType, AuditLog } from "../audit-log.ts";
import type { AuthorizationCodeStore } from "../authorization/authorization-codes.ts";
import type { ClientAssertionPolicy } from "../clients/client-assertion.ts";
import type { AuthenticatedClient, ClientLookup } from "../clients/client-authentication.ts";
import { authenticateClient, clientSubject } from "../clients/client-authentication.ts";
import type { DeviceCodeStore } from "../device/device-codes.ts";
import type { AuthErrorCode } from "../errors.ts";
import { AuthError, isAuthError } from "../errors.ts";
import { readPresentedClient } from "../protocol/client-credentials.ts";
import type { Scope } from "../scopes.ts";
import type {
  AuthorizationCodeTokenRequest,
  ClientCredentialsTokenRequest,
  DeviceCodeTokenRequest,
  PasswordTokenRequest,
  RefreshTokenRequest,
  TokenRequest,
} from "../token-request.ts";
import type { AccessTokenDenylist } from "../tokens/denylist.ts";
import { isValidUsername } from "../users/user.ts";
import type { CodeExchange } from "./authorization-code-grant.ts";
import { redeemAuthorizationCode } from "./authorization-code-grant.ts";
import { clientCredentialsGrant } from "./client-credentials-grant.ts";
import { deviceCodeGrant } from "./device-code-grant.ts";
import type { IssuedTokens, PasswordGrantDeps } from "./password-grant.ts";
import { passwordGrant } from "./password-grant.ts";
import type { RefreshExchange, RefreshGrantDeps } from "./refresh-grant.ts";
import { exchangeRefreshToken } from "./refresh-grant.ts";
import type { LoginThrottle } from "./throttle.ts";
import { accountThrottleKey } from "./throttle.ts";

/** What is known of a request besides its form, for the throttle and the audit trail. */
export interface TokenRequestFacts {
  /** The client's address; absent or `null` when unknown (no per-address throttling then). */
  readonly clientAddress?: string | null;
  /** The id the request is logged under (`X-Request-Id`); absent or `null` when there is none. */
  readonly requestId?: string | null;
  /** The `Authorization` header, where a client may authenticate with Basic (RFC 6749 §2.3.1). */
  readonly authorization?: string | undefined;
}

/** How a password grant ended: `succeeded`, or the failure's code. */
export type LoginOutcome = "succeeded" | AuthErrorCode;

/** What {@link createTokenEndpoint} needs: both grants' ports, the throttle and the audit log. */
export interface TokenEndpointDeps extends Omit<PasswordGrantDeps, "refresh">, RefreshGrantDeps {
  /** Brute-force protection for the password grant (RFC 6749 §4.3.2). */
  readonly throttle: LoginThrottle;
  readonly audit: AuditLog;
  /** Told how every password grant ended, before the audit write; e.g. to count logins. */
  readonly onLogin?: (outcome: LoginOutcome) => void;
  /** The registered clients; without it no client can authenticate (the seed's client-less mode). */
  readonly clients?: ClientLookup;
  /** How private_key_jwt assertions are checked; without it they are refused. */
  readonly clientAssertions?: ClientAssertionPolicy;
  /**
   * Refuse the password grant without a registered client (RFC 9700 §2.4). Off by default: the
   * seed's client-less login keeps working. A presented client is checked either way.
   */
  readonly passwordGrantRequiresClient?: boolean;
  /**
   * The codes `/authorize` issued and the denylist a replayed code's access token goes to;
   * without them the authorization code grant is unsupported.
   */
  readonly authorizationCodes?: AuthorizationCodeStore;
  readonly denylist?: AccessTokenDenylist;
  /** Refused logins remembered so each lock is audited once (10 000 by default). */
  readonly maxAuditedLocks?: number;
  /** Device authorizations (RFC 8628); without them the device code grant is unsupported. */
  readonly deviceCodes?: DeviceCodeStore;
}

/** How a token request ended: tokens to answer (RFC 6749 §5.1), or the error to answer (§5.2). */
export type TokenOutcome =
  | { readonly ok: true; readonly tokens: IssuedTokens }
  | { readonly ok: false; readonly error: AuthError };

/** The token endpoint, ready for requests. */
export interface TokenEndpoint {
  /**
   * Runs the request's grant and records its outcome: `login.succeeded` or `login.failed` for the
   * password grant — but a login refused by the throttle is recorded once per lock, as
   * `throttle.locked` with reason `throttled`, the first time this instance refuses that account
   * from that address; the refusals after it only reach `onLogin` — `token.refreshed`, `token.refresh_failed` or `token.reuse_detected` for the
   * refresh token grant, the failure's code as the reason. Never records a password or a token.
   * Expected failures come back as the outcome's {@link AuthError}; anything else (a store
   * failing) is thrown.
   */
  handle(request: TokenRequest, facts?: TokenRequestFacts): Promise<TokenOutcome>;
}

/**
 * Builds the token endpoint: the password grant (throttled, every login starting a refresh token
 * family) and the refresh token grant (rotation and reuse detection), every outcome audited. An
 * HTTP layer reads the form (`parseTokenForm`), calls {@link TokenEndpoint.handle} and answers
 * the outcome with `tokenAnswer` or, for a failure, the error table's `errorAnswerFor`.
 * @example
 * const endpoint = createTokenEndpoint({
 *   users: store.users, refreshTokens: store.refreshTokens, audit: store.audit, // named ports
 *   hasher, tokens, scopes, clock: systemClock, refreshPolicy: defaultRefreshPolicy,
 *   throttle: createLoginThrottle({ store: store.throttle, clock: systemClock }),
 * });
 * const outcome = await endpoint.handle(
 *   { grantType: "password", username: "johndoe", password: "secret" },
 *   { clientAddress: "203.0.113.7" },
 * );
 * if (outcome.ok) console.log(outcome.tokens.token, outcome.tokens.refreshToken);
 * else console.log(outcome.error.code); // e.g. invalid_credentials, throttled
 */
export function createTokenEndpoint(deps: TokenEndpointDeps): TokenEndpoint {
  // Built once: the password grant starts each login's refresh token family from the same ports.
  const passwordDeps: PasswordGrantDeps = { ...deps, refresh: deps };
  const parseScope = (raw: string | undefined): readonly Scope[] | undefined =>
    raw === undefined ? undefined : deps.scopes.parse(raw);
  const auditedLocks = createAuditedLocks(deps.maxAuditedLocks ?? 10_000);

  const clientDeps = {
    clients: deps.clients ?? noClients,
    clock: deps.clock,
    throttle: deps.throttle,
    assertions: deps.clientAssertions,
  };
  const requiresClient = deps.passwordGrantRequiresClient === true;
  // The client the request presents, authenticated; `undefined` when it presents none.
  const clientOf = (
    request: TokenRequest,
    facts: TokenRequestFacts,
    unknownIdMeansNoClient: boolean,
  ): Promise<AuthenticatedClient | undefined> =>
    authenticateClient(clientDeps, readPresentedClient(facts.authorization, request), {
      address: facts.clientAddress ?? undefined,
      unknownIdMeansNoClient,
    });

  const logIn = async (
    request: PasswordTokenRequest,
    facts: TokenRequestFacts,
  ): Promise<TokenOutcome> => {
    let outcome: TokenOutcome;
    try {
      const authenticated = await clientOf(request, facts, !requiresClient);
      checkPasswordClient(authenticated, requiresClient);
      const tokens = await passwordGrant(passwordDeps, {
        username: request.username,
        password: request.password,
        scopes: parseScope(request.scope),
        clientAddress: facts.clientAddress ?? undefined,
        clientId: authenticated?.client.clientId,
        audiences: authenticated?.client.audiences,
        deviceProof: request.deviceProof,
      });
      outcome = { ok: true, tokens };
    } catch (error) {
      if (!isAuthError(error)) throw error;
      outcome = { ok: false, error };
    }
    const failure = outcome.ok ? undefined : outcome.error.code;
    deps.onLogin?.(failure ?? "succeeded");
    const clientAddress = facts.clientAddress ?? null;
    let type: AuditEventType = failure === undefined ? "login.succeeded" : "login.failed";
    let details: AuditDetails = {};
    if (!outcome.ok && failure === "throttled") {
      // A flood on a locked account must stay cheap: one event per lock, not one per refusal.
      const retryAfterSeconds = outcome.error.retryAfterSeconds ?? 1;
      const lock = `${accountThrottleKey(request.username)} ${clientAddress ?? ""}`;
      if (!auditedLocks.first(lock, deps.clock.now(), retryAfterSeconds * 1000)) return outcome;
      type = "throttle.locked";
      details = { retryAfterSeconds };
    }
    // A username outside the username rules may be a mistyped password: it is never recorded.
    const subject = isValidUsername(request.username) ? request.username : null;
    await deps.audit.record({
      type,
      actor: subject,
      subject,
      clientAddress,
      requestId: facts.requestId ?? null,
      reason: failure ?? null,
      details,
    });
    return outcome;
  };

  const refresh = async (
    request: RefreshTokenRequest,
    facts: TokenRequestFacts,
  ): Promise<TokenOutcome> => {
    let exchange: RefreshExchange;
    try {
      // A client that presents itself must authenticate (a confidential one with its secret);
      // an id naming no registered client is no client, as at the password grant, so the
      // client-less login's families keep refreshing from front ends that send any client_id.
      const authenticated = await clientOf(request, facts, true);
      const scopes = parseScope(request.scope);
      exchange = await exchangeRefreshToken(deps, {
        refreshToken: request.refreshToken,
        scopes,
        client: authenticated?.client,
      });
    } catch (error) {
      if (!isAuthError(error)) throw error;
      exchange = { ok: false, error, username: null, reuseDetected: false };
    }
    await deps.audit.record({
      type: exchange.ok
        ? "token.refreshed"
        : exchange.reuseDetected
          ? "token.reuse_detected"
          : "token.refresh_failed",
      actor: exchange.username,
      subject: exchange.username,
      clientAddress: facts.clientAddress ?? null,
      requestId: facts.requestId ?? null,
      reason: exchange.ok ? null : exchange.error.code,
      details: exchange.ok ? { retried: exchange.retried } : {},
    });
    return exchange.ok
      ? { ok: true, tokens: exchange.tokens }
      : { ok: false, error: exchange.error };
  };

  const clientCredentials = async (
    request: ClientCredentialsTokenRequest,
    facts: TokenRequestFacts,
  ): Promise<TokenOutcome> => {
    let outcome: TokenOutcome;
    let subject: string | null = null;
    try {
      const authenticated = await clientOf(request, facts, false);
      if (authenticated !== undefined) subject = clientSubject(authenticated.client.clientId);
      const tokens = clientCredentialsGrant(deps, authenticated, parseScope(request.scope));
      outcome = { ok: true, tokens };
    } catch (error) {
      if (!isAuthError(error)) throw error;
      outcome = { ok: false, error };
    }
    await deps.audit.record({
      type: outcome.ok ? "login.succeeded" : "login.failed",
      actor: subject,
      subject,
      clientAddress: facts.clientAddress ?? null,
      requestId: facts.requestId ?? null,
      reason: outcome.ok ? null : outcome.error.code,
      details: { grant: "client_credentials" },
    });
    return outcome;
  };

  const deviceCodes = deps.deviceCodes;
  const pollDevice = async (
    request: DeviceCodeTokenRequest,
    facts: TokenRequestFacts,
  ): Promise<TokenOutcome> => {
    if (deviceCodes === undefined) {
      return {
        ok: false,
        error: new AuthError("unsupported_grant_type", "no device authorizations are kept"),
      };
    }
    let outcome: TokenOutcome;
    let clientId: string | null = null;
    let username: string | null = null;
    try {
      const authenticated = await clientOf(request, facts, false);
      clientId = authenticated?.client.clientId ?? null;
      const redeemed = await deviceCodeGrant(
        { ...deps, deviceCodes, refresh: deps },
        authenticated,
        request.deviceCode,
      );
      username = redeemed.username;
      outcome = { ok: true, tokens: redeemed.tokens };
    } catch (error) {
      if (!isAuthError(error)) throw error;
      outcome = { ok: false, error };
    }
    const failure = outcome.ok ? undefined : outcome.error.code;
    // A device polls every few seconds while its user decides: only outcomes that end the wait
    // are recorded, so the trail is not flooded with authorization_pending.
    if (failure === "authorization_pending" || failure === "slow_down") return outcome;
    await deps.audit.record({
      type: failure === undefined ? "device.redeemed" : "device.redeem_failed",
      actor: clientId === null ? null : clientSubject(clientId),
      subject: username,
      clientAddress: facts.clientAddress ?? null,
      requestId: facts.requestId ?? null,
      reason: failure ?? null,
      details: clientId === null ? {} : { client_id: clientId },
    });
    return outcome;
  };

  const redeemCode = async (
    request: AuthorizationCodeTokenRequest,
    facts: TokenRequestFacts,
  ): Promise<TokenOutcome> => {
    const { authorizationCodes, denylist } = deps;
    if (authorizationCodes === undefined || denylist === undefined) {
      return { ok: false, error: new AuthError("unsupported_grant_type", "no code store") };
    }
    let exchange: CodeExchange;
    let clientId: string | null = null;
    try {
      // RFC 6749 §4.1.3: a public client names itself, a confidential one authenticates.
      const authenticated = await clientOf(request, facts, false);
      if (authenticated === undefined) {
        throw new AuthError("invalid_client", "the authorization code grant needs a client");
      }
      clientId = authenticated.client.clientId;
      exchange = await redeemAuthorizationCode(
        { ...deps, authorizationCodes, denylist },
        {
          client: authenticated.client,
          code: request.code,
          redirectUri: request.redirectUri,
          codeVerifier: request.codeVerifier,
        },
      );
    } catch (error) {
      if (!isAuthError(error)) throw error;
      exchange = { ok: false, error, username: null, reuseDetected: false };
    }
    await deps.audit.record({
      type: exchange.ok
        ? "code.redeemed"
        : exchange.reuseDetected
          ? "code.reuse_detected"
          : "code.refused",
      actor: exchange.username,
      subject: exchange.username,
      clientAddress: facts.clientAddress ?? null,
      requestId: facts.requestId ?? null,
      reason: exchange.ok ? null : exchange.error.code,
      // The client that authenticated; none when its authentication failed.
      details: { clientId },
    });
    return exchange.ok
      ? { ok: true, tokens: exchange.tokens }
      : { ok: false, error: exchange.error };
  };

  return {
    handle(request, facts = {}) {
      switch (request.grantType) {
        case "password":
          return logIn(request, facts);
        case "refresh_token":
          return refresh(request, facts);
        case "client_credentials":
          return clientCredentials(request, facts);
        case "urn:ietf:params:oauth:grant-type:device_code":
          return pollDevice(request, facts);
        case "authorization_code":
          return redeemCode(request, facts);
        default: {
          const unreachable: never = request;
          throw new TypeError(`unhandled grant ${String(unreachable)}`);
        }
      }
    },
  };
}

/** The locks already audited, each until it ends; at most `capacity`, the oldest dropped first. */
function createAuditedLocks(capacity: number) {
  const until = new Map<string, number>();
  return {
    /** Whether `lock` is new at `now`; if so it is remembered for `lastsMs`. */
    first(lock: string, now: number, lastsMs: number): boolean {
      if ((until.get(lock) ?? 0) > now) return false;
      until.delete(lock);
      until.set(lock, now + lastsMs);
      if (until.size > capacity) {
        for (const [held, heldUntil] of until) if (heldUntil <= now) until.delete(held);
        const oldest = until.keys().next();
        if (until.size > capacity && oldest.done !== true) until.delete(oldest.value);
      }
      return true;
    },
  };
}

/** The registry when none is configured: no client is registered. */
const noClients: ClientLookup = { findClient: () => Promise.resolve(undefined) };

/**
 * RFC 9700 §2.4: only a first-party client allowed the password grant may use it, and with
 * `requiresClient` the grant needs a client at all.
 */
function checkPasswordClient(
  authenticated: AuthenticatedClient | undefined,
  requiresClient: boolean,
): void {
  if (authenticated === undefined) {
    if (requiresClient) throw new AuthError("invalid_client", "the password grant needs a client");
    return;
  }
  const { client } = authenticated;
  if (!client.firstParty || !client.grantTypes.includes("password")) {
    throw new AuthError("unauthorized_client", "the client may not use the password grant");
  }
}
