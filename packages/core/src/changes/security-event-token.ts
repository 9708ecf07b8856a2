// The change feed on the wire: each event as a signed security event token (RFC 8417), and back.
import { createHash } from "node:crypto";
import { createSigner } from "fast-jwt";
import { z } from "zod";
import type { Clock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import type { TokenCheck, TokenKey, TokenKeySet } from "../keys/token-keys.ts";
import { compileVerifier, peekHeader } from "../keys/token-keys.ts";
import type { KeySource } from "../tokens/key-source.ts";
import type { ChangeEvent } from "./change-feed.ts";

/**
 * The event type URIs of Gatehouse's security event tokens: CAEP and RISC types where one says
 * exactly what happened, Gatehouse's own (`urn:gatehouse:secevent:…`) where none does.
 */
export const securityEventTypes = {
  /** CAEP: one access token (named by `sub_id` `jwt_id`) was revoked. */
  sessionRevoked: "https://schemas.openid.net/secevent/caep/event-type/session-revoked",
  /** RISC: the account was deleted. */
  accountPurged: "https://schemas.openid.net/secevent/risc/event-type/account-purged",
  /** The user's state after a change: disabled or not, and the cut-off of their tokens. */
  userState: "urn:gatehouse:secevent:user-state",
  clientChanged: "urn:gatehouse:secevent:client-changed",
  signingKeyChanged: "urn:gatehouse:secevent:signing-key-changed",
  /** Events before this one may be missing: refuse tokens issued before `tokens_valid_after_ms`. */
  streamGap: "urn:gatehouse:secevent:stream-gap",
} as const;

/** RFC 8417 §2.3: explicit typing, so a SET is never taken for an access token or back. */
export const SECURITY_EVENT_TOKEN_TYPE = "secevent+jwt";

/**
 * The reader's position was before the oldest event kept, or past the newest (the feed was
 * replaced): events may be missing, so tokens issued before `tokensValidAfter` (ms) cannot be
 * vouched for. `sequence` is the position the stream goes on from.
 */
export interface FeedGap {
  readonly kind: "feed_gap";
  readonly sequence: number;
  readonly at: number;
  readonly tokensValidAfter: number;
}

/** What a security event token carries: one change of the feed, or a gap in it. */
export type PublishedEvent = ChangeEvent | FeedGap;

/** A verified SET of a type this reader does not know: skipped, but its position counts. */
export interface OtherEvent {
  readonly kind: "other";
  readonly sequence: number;
  readonly at: number;
}

/** Signs security event tokens for the readers of the feed. */
export interface SecurityEventSigner {
  /**
   * Tells whether the current signing key can sign SETs: an asymmetric key with its private
   * half. A key ring rotated to a shared secret cannot, since no reader could verify it.
   */
  canSign(): boolean;
  /**
   * The SET for `event`, addressed to `audience` (the reading client's id).
   * @throws {TypeError} when the current key cannot sign SETs (see `canSign`)
   */
  sign(event: PublishedEvent, audience: string): string;
}

/** What {@link createSecurityEventSigner} needs. */
export interface SecurityEventSignerOptions {
  /** The service's keys: SETs are signed with the current signer, published in the JWKS. */
  readonly keys: TokenKeySet;
  /** The `iss` of every SET: the tokens' issuer. */
  readonly issuer: string;
  readonly clock: Clock;
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Creates the signer of security event tokens: `iss`, `aud` (the reader), `iat`, a `jti` stable
 * for the event (a receiver can drop a duplicate), `txn` (the feed's sequence), `toe` and
 * `toe_ms` (when the change was committed), `sub_id` (RFC 9493) and `events`. Nothing beyond the
 * subject's name is written: no scopes, no password, no address.
 */
export function createSecurityEventSigner(
  options: SecurityEventSignerOptions,
): SecurityEventSigner {
  const { keys, issuer, clock } = options;
  const signers = new WeakMap<TokenKey, (claims: Record<string, unknown>) => string>();
  const signerFor = (key: TokenKey): ((claims: Record<string, unknown>) => string) => {
    const known = signers.get(key);
    if (known !== undefined) return known;
    if (key.algorithm === "HS256" || key.privateKey === undefined) {
      throw new TypeError("security events need an asymmetric signing key with its private half");
    }
    const sign = createSigner({
      key: key.privateKey,
      algorithm: key.algorithm,
      kid: key.kid,
      header: { alg: key.algorithm, typ: SECURITY_EVENT_TOKEN_TYPE },
    });
    signers.set(key, sign);
    return sign;
  };
  return {
    canSign() {
      const key = keys.signer();
      return key.algorithm !== "HS256" && key.privateKey !== undefined;
    },
    sign(event, audience) {
      const sign = signerFor(keys.signer());
      return sign({
        iss: issuer,
        aud: audience,
        iat: seconds(clock.now()),
        jti: eventId(issuer, event),
        txn: String(event.sequence),
        toe: seconds(event.at),
        toe_ms: event.at,
        ...payloadOf(event, issuer),
      });
    },
  };
}

// The same event gets the same id on every delivery (RFC 8417 §2.2: a retransmitted SET keeps its
// `jti`); the digest says nothing beyond what the SET itself says.
function eventId(issuer: string, event: PublishedEvent): string {
  return createHash("sha256")
    .update(`${issuer}\u0000${event.kind}\u0000${event.sequence}\u0000${event.at}`)
    .digest("base64url")
    .slice(0, 22);
}

function payloadOf(event: PublishedEvent, issuer: string): Record<string, unknown> {
  const eventTimestamp = seconds(event.at);
  switch (event.kind) {
    case "access_token_revoked":
      return {
        sub_id: { format: "jwt_id", iss: issuer, jti: event.tokenId },
        events: {
          [securityEventTypes.sessionRevoked]: {
            event_timestamp: eventTimestamp,
            expires_at_ms: event.expiresAt,
          },
        },
      };
    case "user_changed":
      return {
        sub_id: { format: "iss_sub", iss: issuer, sub: event.username },
        events: {
          [securityEventTypes.userState]: {
            event_timestamp: eventTimestamp,
            disabled: event.disabled,
            tokens_valid_after_ms: event.tokensValidAfter,
          },
        },
      };
    case "user_deleted":
      return {
        sub_id: { format: "iss_sub", iss: issuer, sub: event.username },
        events: { [securityEventTypes.accountPurged]: { event_timestamp: eventTimestamp } },
      };
    case "client_changed":
      return {
        sub_id: { format: "opaque", id: event.clientId },
        events: { [securityEventTypes.clientChanged]: { event_timestamp: eventTimestamp } },
      };
    case "signing_key_changed":
      return {
        sub_id: { format: "opaque", id: event.keyId },
        events: { [securityEventTypes.signingKeyChanged]: { event_timestamp: eventTimestamp } },
      };
    case "feed_gap":
      return {
        events: {
          [securityEventTypes.streamGap]: {
            event_timestamp: eventTimestamp,
            tokens_valid_after_ms: event.tokensValidAfter,
          },
        },
      };
    default: {
      const unknown: never = event;
      throw new TypeError(`unknown change event ${String(unknown)}`);
    }
  }
}

const millis = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const name = z.string().min(1).max(256);

const setClaimsSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  iat: millis,
  jti: name,
  txn: z.string().regex(/^\d{1,15}$/),
  toe_ms: millis,
  sub_id: z
    .union([
      z.object({ format: z.literal("jwt_id"), iss: z.string(), jti: name }),
      z.object({ format: z.literal("iss_sub"), iss: z.string(), sub: name }),
      z.object({ format: z.literal("opaque"), id: name }),
    ])
    .optional(),
  events: z.record(z.string(), z.looseObject({})),
});

type SetClaims = z.infer<typeof setClaimsSchema>;

const userStateSchema = z.looseObject({
  disabled: z.boolean(),
  tokens_valid_after_ms: millis.nullable(),
});
const sessionRevokedSchema = z.looseObject({ expires_at_ms: millis });
const gapSchema = z.looseObject({ tokens_valid_after_ms: millis });

/** What {@link readSecurityEventToken} checks a SET against. */
export interface SecurityEventTokenExpectations {
  /** The issuer's published keys. */
  readonly keys: KeySource;
  /** Required as `iss`, and as the `iss` of a subject. */
  readonly issuer: string;
  /** Required in `aud`: the reading client's id. */
  readonly audience: string;
}

const refused = (reason: string): AuthError => new AuthError("token_invalid", reason);

// Compiled once per key object; a key source keeps the same object while the key is unchanged.
const checks = new WeakMap<TokenKey, TokenCheck>();

function checkFor(key: TokenKey): TokenCheck {
  let check = checks.get(key);
  if (check === undefined) {
    check = compileVerifier(key);
    checks.set(key, check);
  }
  return check;
}

/**
 * Verifies a security event token and reads the event it carries: signature by a key of
 * `keys` (its own algorithm only), `typ: secevent+jwt`, `iss`, `aud`, and exactly one event, with
 * the subject and members its type needs; a type this reader does not know reads as `other`.
 * @throws {AuthError} token_invalid when any check fails; the message names the check
 */
export function readSecurityEventToken(
  token: string,
  expected: SecurityEventTokenExpectations,
): PublishedEvent | OtherEvent {
  const header = peekHeader(token);
  if (header?.typ !== SECURITY_EVENT_TOKEN_TYPE) throw refused("not a security event token");
  const key = header.kid === undefined ? undefined : expected.keys.find(header.kid);
  if (key === undefined) throw refused("security event token names an unknown key");
  let payload: unknown;
  try {
    payload = checkFor(key)(token).payload;
  } catch (error) {
    throw new AuthError("token_invalid", "security event token failed its signature check", {
      cause: error,
    });
  }
  const parsed = setClaimsSchema.safeParse(payload);
  if (!parsed.success) throw refused("security event token claims are malformed");
  const claims = parsed.data;
  if (claims.iss !== expected.issuer) throw refused("security event token issuer does not match");
  const audiences = typeof claims.aud === "string" ? [claims.aud] : claims.aud;
  if (!audiences.includes(expected.audience)) {
    throw refused("security event token audience does not match");
  }
  const entries = Object.entries(claims.events);
  const [entry] = entries;
  if (entry === undefined || entries.length !== 1) {
    throw refused("security event token must carry one event");
  }
  return readEvent(claims, entry[0], entry[1], expected.issuer);
}

function readEvent(
  claims: SetClaims,
  type: string,
  body: Readonly<Record<string, unknown>>,
  issuer: string,
): PublishedEvent | OtherEvent {
  const base = { sequence: Number(claims.txn), at: claims.toe_ms };
  const subject = claims.sub_id;
  // A subject named under another issuer is not one of ours, whatever the SET's own `iss` says.
  const username = subject?.format === "iss_sub" && subject.iss === issuer ? subject.sub : null;
  const opaque = subject?.format === "opaque" ? subject.id : null;
  switch (type) {
    case securityEventTypes.sessionRevoked: {
      const event = sessionRevokedSchema.safeParse(body);
      if (subject?.format !== "jwt_id" || subject.iss !== issuer || !event.success) break;
      const { expires_at_ms: expiresAt } = event.data;
      return { ...base, kind: "access_token_revoked", tokenId: subject.jti, expiresAt };
    }
    case securityEventTypes.userState: {
      const event = userStateSchema.safeParse(body);
      if (username === null || !event.success) break;
      return {
        ...base,
        kind: "user_changed",
        username,
        disabled: event.data.disabled,
        tokensValidAfter: event.data.tokens_valid_after_ms,
      };
    }
    case securityEventTypes.accountPurged:
      if (username === null) break;
      return { ...base, kind: "user_deleted", username };
    case securityEventTypes.clientChanged:
      if (opaque === null) break;
      return { ...base, kind: "client_changed", clientId: opaque };
    case securityEventTypes.signingKeyChanged:
      if (opaque === null) break;
      return { ...base, kind: "signing_key_changed", keyId: opaque };
    case securityEventTypes.streamGap: {
      const event = gapSchema.safeParse(body);
      if (!event.success) break;
      return { ...base, kind: "feed_gap", tokensValidAfter: event.data.tokens_valid_after_ms };
    }
    default:
      // A type added by a newer Gatehouse: skipped, as RFC 8417 §2.2 lets a receiver do.
      return { ...base, kind: "other" };
  }
  throw refused("security event token carries a malformed event");
}
