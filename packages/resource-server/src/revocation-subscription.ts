// Following Gatehouse's security event stream: one connection kept open, SETs verified with the
// JWKS and applied to a revocation list, reconnects with backoff, catch-up from the last sequence.

import {
  type OtherEvent,
  type PublishedEvent,
  readSecurityEventToken,
} from "gatehouse-auth-core/changes/security-event-token";
import type { Clock } from "gatehouse-auth-core/clock";
import { AuthError } from "gatehouse-auth-core/errors";
import { peekKeyId } from "gatehouse-auth-core/keys/token-keys";
import { createEventStreamParser, type EventStreamItem } from "./event-stream-parser.ts";
import type { JwksKeySource } from "./jwks-key-source.ts";
import type { RemotePrincipal } from "./remote-verifier.ts";
import { createRevocationList } from "./revocation-list.ts";

/** The `revocations` option of a remote verifier: how to follow Gatehouse's security events. */
export interface RevocationOptions {
  /** A confidential client of Gatehouse allowed the `events:read` scope. */
  readonly clientId: string;
  readonly clientSecret: string;
  /** The stream; `security-events` beside the JWKS's `.well-known` folder by default. */
  readonly url?: string | URL;
  /**
   * Refuse every token with 503 once the guard has been cut off from the stream (disconnected,
   * or not yet caught up since it started) for longer than this, in ms. Unset: never; the guard
   * then goes on with what it knows, as it would without the subscription.
   */
  readonly failClosedAfterMs?: number;
  /** The first wait before reconnecting, doubled after each failure; 250 ms by default. */
  readonly minBackoffMs?: number;
  /**
   * The longest wait before reconnecting; 30 000 ms by default. A refusal's `Retry-After` (429,
   * 503) is waited for, up to this long.
   */
  readonly maxBackoffMs?: number;
  /**
   * A connection silent this long is taken for dead and replaced (Gatehouse sends a heartbeat
   * every 5 s); 15 000 ms by default.
   */
  readonly idleTimeoutMs?: number;
  /** Told why the stream failed (a status, a refused SET, a network error); must not throw. */
  readonly onError?: (reason: string) => void;
}

/** What a health check reads of a subscription. */
export interface RevocationState {
  /** Connected and caught up with the stream. */
  readonly connected: boolean;
  /** The sequence of the last event applied; 0 before any. */
  readonly lastSequence: number;
  /** Ms since the stream last said the guard was up to date; `null` before it ever did. */
  readonly lagMs: number | null;
  /** Ms the guard has been cut off (disconnected or catching up); 0 while connected. */
  readonly cutOffForMs: number;
  /** Refusing every token with 503, as `failClosedAfterMs` says. */
  readonly failingClosed: boolean;
  /** Revoked token ids and subjects held in memory. */
  readonly revokedTokens: number;
  readonly subjects: number;
  /** Why the last connection failed or ended, if it did. */
  readonly lastError: string | null;
}

/** A running subscription: its state, and a way to stop it. */
export interface RevocationSubscription {
  state(): RevocationState;
  /**
   * Resolves once every event up to `sequence` has been applied and the guard is caught up, or
   * once the subscription is closed.
   */
  caughtUpTo(sequence: number): Promise<void>;
  /** Stops the subscription: its connection and timers end, nothing keeps the process alive. */
  close(): Promise<void>;
}

/** What the verifier hands its subscription. */
export interface RevocationSubscriptionDeps {
  readonly keys: JwksKeySource;
  readonly issuer: string;
  readonly jwksUrl: URL;
  readonly clock: Clock;
  readonly fetch: (url: URL, init: RequestInit) => Promise<Response>;
  /** The longest token lifetime the verifier accepts, plus the clock skew it allows, in ms. */
  readonly horizonMs: number;
}

/** A subscription the verifier checks principals against. */
export interface RevocationGuard extends RevocationSubscription {
  /**
   * @throws {AuthError} revocations_unavailable while failing closed
   * @throws {AuthError} token_invalid, inactive_user as {@link RevocationList.check}
   */
  check(principal: RemotePrincipal): void;
}

/** RFC 6749 §2.3.1: id and secret are form-encoded, then joined and base64-encoded. */
function basicCredentials(clientId: string, secret: string): string {
  const encode = (text: string): string => encodeURIComponent(text).replaceAll("%20", "+");
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString("base64")}`;
}

const describe = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** The stream answered something other than a stream; `retryAfterMs` from its `Retry-After`. */
class StreamRefused extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(status: number, retryAfterMs: number | undefined) {
    super(`the security event stream answered ${status}`);
    this.retryAfterMs = retryAfterMs;
  }
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date; `undefined` when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** How often, at most, the list drops entries that can no longer refuse a token. */
const sweepIntervalMs = 60_000;

/**
 * Starts following the security event stream at once. A new subscription asks for the events
 * since the oldest time a token it would accept can have been issued (now minus `horizonMs`), so
 * a revocation written before it started is not missed; a reconnect resumes from the last
 * sequence applied (`Last-Event-ID`). Every SET is verified with the JWKS (`typ`, `iss`, `aud`
 * = the client id) before it is applied; one that fails drops the connection without being
 * applied. Timers are unref'd; `close` ends the connection.
 */
export function createRevocationSubscription(
  options: RevocationOptions,
  deps: RevocationSubscriptionDeps,
): RevocationGuard {
  const { clock, keys } = deps;
  const url = new URL(options.url ?? new URL("../security-events", deps.jwksUrl));
  const authorization = basicCredentials(options.clientId, options.clientSecret);
  const minBackoffMs = options.minBackoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 15_000;
  const failClosedAfterMs = options.failClosedAfterMs;
  const list = createRevocationList(deps.horizonMs);
  const expected = { keys, issuer: deps.issuer, audience: options.clientId };

  let closed = false;
  let connected = false;
  let lastSequence = 0;
  let cutOffSince: number | null = clock.now();
  let lastContact: number | null = null;
  let contacts = 0;
  let lastError: string | null = null;
  let lastSweep = clock.now();
  let connection: AbortController | undefined;
  let wakeSleep: (() => void) | undefined;
  const waiters = new Set<{ readonly sequence: number; readonly resolve: () => void }>();

  const settle = (): void => {
    for (const waiter of waiters) {
      if (closed || (connected && lastSequence >= waiter.sequence)) {
        waiters.delete(waiter);
        waiter.resolve();
      }
    }
  };
  const cutOff = (reason: string): void => {
    connected = false;
    cutOffSince ??= clock.now();
    lastError = reason;
    if (!closed) options.onError?.(reason);
  };

  const read = async (token: string): Promise<PublishedEvent | OtherEvent> => {
    try {
      return readSecurityEventToken(token, expected);
    } catch (error) {
      const kid = peekKeyId(token);
      // A key rotated in since the JWKS was read: fetched once (rate-limited), then tried again.
      if (kid === undefined || keys.find(kid) !== undefined) throw error;
      await keys.reload(kid);
      return readSecurityEventToken(token, expected);
    }
  };

  const handle = async (item: EventStreamItem): Promise<void> => {
    if (item.kind === "retry") return;
    if (item.kind === "comment") {
      // Gatehouse writes a comment whenever the reader has everything: caught up.
      connected = true;
      cutOffSince = null;
      lastContact = clock.now();
      contacts += 1;
      if (clock.now() - lastSweep >= sweepIntervalMs) {
        lastSweep = clock.now();
        list.sweep(clock.now());
      }
      settle();
      return;
    }
    if (item.event !== "set") return;
    const event = await read(item.data);
    if (event.kind === "feed_gap") {
      // Older tokens cannot be vouched for; the stream goes on from the position it names.
      list.apply(event);
      lastSequence = event.sequence;
      return;
    }
    // A replayed or repeated event is not applied again: a state must never move backwards.
    if (event.sequence <= lastSequence) return;
    if (event.kind !== "other") list.apply(event);
    if (event.kind === "signing_key_changed") void keys.refreshNow();
    lastSequence = event.sequence;
  };

  const connectOnce = async (): Promise<void> => {
    const abort = new AbortController();
    connection = abort;
    const target = new URL(url);
    const since = Math.max(0, Math.floor((clock.now() - deps.horizonMs) / 1000));
    target.searchParams.set("since", String(since));
    const headers: Record<string, string> = {
      authorization,
      accept: "text/event-stream",
      "cache-control": "no-store",
    };
    if (lastSequence > 0) headers["last-event-id"] = String(lastSequence);
    let idle: NodeJS.Timeout | undefined;
    const armIdle = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => abort.abort(new Error("the stream went silent")), idleTimeoutMs);
      idle.unref();
    };
    armIdle();
    try {
      const response = await deps.fetch(target, {
        headers,
        signal: abort.signal,
        // A redirect could lead anywhere; the configured URL is the one source of events.
        redirect: "error",
      });
      const type = response.headers.get("content-type") ?? "";
      if (!response.ok || !type.startsWith("text/event-stream") || response.body === null) {
        await response.body?.cancel();
        throw new StreamRefused(
          response.status,
          retryAfterMs(response.headers.get("retry-after"), clock.now()),
        );
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      abort.signal.addEventListener("abort", () => void reader.cancel().catch(() => undefined));
      const items: EventStreamItem[] = [];
      const parser = createEventStreamParser((item) => items.push(item));
      for (;;) {
        const { value, done } = await reader.read();
        if (done || abort.signal.aborted) break;
        armIdle();
        parser.push(value);
        for (const item of items.splice(0)) await handle(item);
      }
      if (abort.signal.aborted && abort.signal.reason instanceof Error) throw abort.signal.reason;
      throw new Error("the security event stream ended");
    } finally {
      clearTimeout(idle);
    }
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        wakeSleep = undefined;
        resolve();
      }
      wakeSleep = done;
    });

  const run = async (): Promise<void> => {
    let backoffMs = minBackoffMs;
    while (!closed) {
      const before = contacts;
      // What the server asked for (429, 503): no earlier than its Retry-After, up to maxBackoffMs.
      let askedMs = 0;
      try {
        await connectOnce();
      } catch (error) {
        if (closed) break;
        if (error instanceof StreamRefused) askedMs = error.retryAfterMs ?? 0;
        cutOff(describe(error));
      }
      if (closed) break;
      // A connection that got as far as catching up starts the backoff afresh.
      if (contacts !== before) backoffMs = minBackoffMs;
      // Half of the wait fixed, half random: guards restarted together do not reconnect together.
      const jittered = backoffMs / 2 + Math.random() * (backoffMs / 2);
      await sleep(Math.max(jittered, Math.min(askedMs, maxBackoffMs)));
      backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
    }
  };
  const running = run();

  const failingClosed = (): boolean =>
    failClosedAfterMs !== undefined &&
    cutOffSince !== null &&
    clock.now() - cutOffSince > failClosedAfterMs;

  return {
    check(principal) {
      if (failingClosed()) {
        throw new AuthError(
          "revocations_unavailable",
          "cut off from the security event stream for too long",
        );
      }
      list.check(principal);
    },
    state() {
      const now = clock.now();
      const size = list.size();
      return {
        connected,
        lastSequence,
        lagMs: lastContact === null ? null : now - lastContact,
        cutOffForMs: cutOffSince === null ? 0 : now - cutOffSince,
        failingClosed: failingClosed(),
        revokedTokens: size.tokens,
        subjects: size.subjects,
        lastError,
      };
    },
    caughtUpTo(sequence) {
      return new Promise<void>((resolve) => {
        waiters.add({ sequence, resolve });
        settle();
      });
    },
    async close() {
      closed = true;
      connection?.abort();
      wakeSleep?.();
      settle();
      await running;
    },
  };
}
