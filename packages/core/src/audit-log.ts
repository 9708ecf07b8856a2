// The audit trail: what happened, who did it to whom, from where — and the port that keeps it.

/** Every kind of event the audit trail records; a closed list, so readers can rely on it. */
export const auditEventTypes = [
  "login.succeeded",
  "login.failed",
  "user.created",
  "user.updated",
  "user.disabled",
  "user.enabled",
  "user.password_set",
  "user.deleted",
  "token.refreshed",
  "token.refresh_failed",
  "token.reuse_detected",
  "token.revoked",
  "throttle.locked",
  "key.rotated",
  "client.created",
  "client.updated",
  "client.secret_rotated",
  "client.disabled",
  "client.enabled",
  "client.deleted",
  /** A client started a device authorization (RFC 8628 §3.1). */
  "device.authorized",
  /** A user approved a device authorization at `/device`. */
  "device.approved",
  /** A user denied a device authorization at `/device`. */
  "device.denied",
  /** A user entered a user code that names no pending device authorization. */
  "device.user_code_rejected",
  /** An approved device code was exchanged for tokens at `/token`. */
  "device.redeemed",
  /** A device code poll ended in a refusal other than `authorization_pending` or `slow_down`. */
  "device.redeem_failed",
  "session.ended",
  "consent.granted",
  "consent.denied",
  "consent.revoked",
  "code.issued",
  "code.redeemed",
  "code.refused",
  "code.reuse_detected",
] as const;

/** One of {@link auditEventTypes}. */
export type AuditEventType = (typeof auditEventTypes)[number];

/** Tells whether `name` is a declared audit event type. */
export function isAuditEventType(name: string): name is AuditEventType {
  return (auditEventTypes as readonly string[]).includes(name);
}

/** Small facts about an event (changed field names, granted scopes); never a password, hash or token. */
export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>;

/** What a caller hands to {@link AuditLog.record}; the log adds the id and the time. */
export interface NewAuditEvent {
  readonly type: AuditEventType;
  /** Who acted: the admin's username, `cli`, or the user logging in; `null` when unknown. */
  readonly actor: string | null;
  /** Whom it was done to: the target username or `client_id`; `null` when there is none. */
  readonly subject: string | null;
  /** The peer's address as the service saw it; `null` outside HTTP. */
  readonly clientAddress: string | null;
  /** The `X-Request-Id` of the request that caused it; `null` outside HTTP. */
  readonly requestId: string | null;
  /** A stable reason code, e.g. the AuthError code of a failed login. */
  readonly reason: string | null;
  readonly details: AuditDetails;
}

/** An event as the audit trail keeps it. */
export interface AuditEvent extends NewAuditEvent {
  /** Increases with every event recorded; the pagination cursor. */
  readonly id: number;
  /** Milliseconds since the epoch, from the store's clock. */
  readonly time: number;
}

/** A filter over the trail; every field narrows, absent fields do not. */
export interface AuditQuery {
  /** Events whose actor or subject is this username. */
  readonly user?: string;
  /** Inclusive lower bound on `time` (milliseconds). */
  readonly since?: number;
  /** Exclusive upper bound on `time` (milliseconds). */
  readonly until?: number;
  readonly type?: AuditEventType;
  /** Only events older than this id: the `nextCursor` of the previous page. */
  readonly cursor?: number;
  /** Page size, 1 to {@link maxAuditPageSize}. */
  readonly limit: number;
}

/** One page of events, newest first. */
export interface AuditPage {
  readonly events: readonly AuditEvent[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  readonly nextCursor: number | null;
}

/** The largest page {@link AuditLog.list} returns. */
export const maxAuditPageSize = 500;

/**
 * Where audit events live: append-only (an event is never changed), deleted only by age.
 * Every adapter passes `storage/audit-log.contract.ts`.
 */
export interface AuditLog {
  /** Appends an event, stamped with the next id and the store's clock. */
  record(event: NewAuditEvent): Promise<AuditEvent>;
  /**
   * Events matching `query`, newest first.
   * @throws {RangeError} when `limit` is outside 1 to {@link maxAuditPageSize}
   */
  list(query: AuditQuery): Promise<AuditPage>;
  /** Deletes every event older than `time` (milliseconds) and returns how many went. */
  purgeBefore(time: number): Promise<number>;
}

/** Checks a page size for {@link AuditLog.list}; adapters call it first. */
export function assertAuditPageSize(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > maxAuditPageSize) {
    throw new RangeError(`limit must be an integer from 1 to ${maxAuditPageSize}`);
  }
}
