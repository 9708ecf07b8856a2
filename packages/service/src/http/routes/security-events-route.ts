// GET /security-events: the change feed as a server-sent event stream of signed security event
// tokens (RFC 8417), for resource servers that refuse revoked tokens without asking per request.
import { z } from "@hono/zod-openapi";
import type { ChangeEvent, ChangeFeed } from "gatehouse-auth-core/changes/change-feed";
import type { ChangeWatcher } from "gatehouse-auth-core/changes/change-watcher";
import { createChangeWatcher } from "gatehouse-auth-core/changes/change-watcher";
import type {
  PublishedEvent,
  SecurityEventSigner,
} from "gatehouse-auth-core/changes/security-event-token";
import type { ClientRecord } from "gatehouse-auth-core/clients/client";
import type { ClientAuthenticationDeps } from "gatehouse-auth-core/clients/client-authentication";
import { authenticateClient } from "gatehouse-auth-core/clients/client-authentication";
import { verifyClientSecret } from "gatehouse-auth-core/clients/client-secrets";
import { AuthError, isAuthError } from "gatehouse-auth-core/errors";
import { readPresentedClient } from "gatehouse-auth-core/protocol/client-credentials";
import { errorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import type { Logger } from "../../telemetry/logger.ts";
import { requestHeader } from "../node-bindings.ts";
import type { OpenApiApp } from "../openapi.ts";
import { clientSecuritySchemeName, errorSchema, oauthErrorSchema } from "../openapi.ts";
import { clientAddress } from "../request-envelope.ts";
import { route, sendAnswer } from "../route.ts";
import { refusal } from "./token-route.ts";

/** The permission a client needs to read the stream; declared in the scope catalogue. */
export const readEventsScope = "events:read";

/** What the security events route needs. */
export interface SecurityEventsRouteDeps extends ClientAuthenticationDeps {
  readonly changes: ChangeFeed;
  readonly signer: SecurityEventSigner;
  readonly logger: Logger;
  /** True once shutdown began: open streams end, so the server can close. */
  readonly draining?: () => boolean;
  /** How often the feed is read for new events while streams are open; 100 ms by default. */
  readonly pollIntervalMs?: number;
  /** How often an idle stream sends a comment line, for proxies and dead peers; 5000 ms. */
  readonly heartbeatMs?: number;
  /** How often an open stream checks its client is still enabled and allowed; 30 s. */
  readonly recheckClientMs?: number;
}

/** Events read from the feed at once; a larger backlog is sent in several reads. */
const batchSize = 500;

// A sequence or a NumericDate as decimal digits: nothing else is a position.
const position = /^\d{1,15}$/;

const querySchema = z.object({
  since: z
    .string()
    .regex(/^\d{1,12}$/)
    .optional()
    .openapi({
      description:
        "Start with the events committed at or after this time (NumericDate, seconds); used when `Last-Event-ID` is absent or names a position this feed never reached. A new reader sends its clock minus the longest token lifetime it accepts.",
    }),
});

const encoder = new TextEncoder();

/** A comment line: the reader has every event so far (also the heartbeat). */
const current = encoder.encode(": current\n\n");

/** One SSE message: `id` is the feed's sequence, so a reconnect sends it as `Last-Event-ID`. */
function message(sequence: number, token: string): Uint8Array {
  return encoder.encode(`id: ${sequence}\nevent: set\ndata: ${token}\n\n`);
}

/**
 * The position after which events are at or after `sinceMs`: a binary search over the feed, whose
 * commit times grow with its sequence. `0` when every kept event is.
 */
async function positionAt(feed: ChangeFeed, sinceMs: number, latest: number): Promise<number> {
  let low = 0;
  let high = latest;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const [next] = await feed.readAfter(middle, 1);
    if (next === undefined || next.at >= sinceMs) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * Mounts `GET /security-events`. A confidential client allowed `events:read` authenticates with
 * HTTP Basic (RFC 6749 §2.3.1) and receives `text/event-stream`: one `set` event per change,
 * `id:` the feed's sequence and `data:` the SET, signed with the current signing key; a comment
 * line whenever the reader has caught up, and every `heartbeatMs` while idle. Catch-up from
 * `Last-Event-ID`; a reader whose position the feed no longer holds first receives a stream-gap
 * SET naming the time before which tokens cannot be vouched for.
 */
export function mountSecurityEventsRoute(app: OpenApiApp, deps: SecurityEventsRouteDeps): void {
  const heartbeatMs = deps.heartbeatMs ?? 5000;
  const recheckMs = deps.recheckClientMs ?? 30_000;
  const watcher: ChangeWatcher = createChangeWatcher(deps.changes, {
    ...(deps.pollIntervalMs === undefined ? {} : { intervalMs: deps.pollIntervalMs }),
    onError: (error) =>
      deps.logger.warn("reading the change feed for security events failed", {
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  route(
    app,
    {
      method: "get",
      path: "/security-events",
      security: [{ [clientSecuritySchemeName]: [] }],
      summary: "Stream security events (revocations, user changes) to resource servers",
      description:
        "A server-sent event stream of security event tokens (RFC 8417) signed with the key published at `/.well-known/jwks.json`. For confidential clients allowed `events:read`. Resume with `Last-Event-ID`.",
      tags: ["auth"],
      request: { query: querySchema },
      responses: {
        200: {
          description: "The stream: `id:` the sequence, `event: set`, `data:` one SET",
          content: { "text/event-stream": { schema: z.string() } },
        },
        400: {
          description: "A malformed Last-Event-ID, or a client not allowed to read events",
          content: { "application/json": { schema: oauthErrorSchema } },
        },
        401: {
          description: "Client authentication failed or was missing",
          content: { "application/json": { schema: oauthErrorSchema } },
        },
        422: {
          description: "A malformed `since`",
          content: { "application/json": { schema: errorSchema } },
        },
      },
    },
    async (c, { query }) => {
      const authorization = requestHeader(c, "authorization");
      let clientId: string;
      let secret: string;
      let reader: ClientRecord;
      try {
        const presented = readPresentedClient(authorization, {});
        // Only a secret proves a client; a bare id or nothing at all is no reader.
        if (presented.kind !== "secret") {
          throw new AuthError("invalid_client", "no client credentials");
        }
        const authenticated = await authenticateClient(deps, presented, {
          address: clientAddress(c) ?? undefined,
        });
        if (authenticated === undefined) throw new AuthError("invalid_client", "unknown client");
        reader = authenticated.client;
        clientId = presented.clientId;
        secret = presented.secret;
      } catch (error) {
        if (!isAuthError(error)) throw error;
        return sendAnswer(c, refusal(error, authorization));
      }
      // Checked again while the stream is open: a client disabled, narrowed or given a new
      // secret since it connected stops reading.
      const allowed = async (): Promise<boolean> => {
        const record = await deps.clients.findClient(clientId);
        return (
          record !== undefined &&
          !record.disabled &&
          record.scopes.includes(readEventsScope) &&
          verifyClientSecret(record, secret, deps.clock.now())
        );
      };
      // Authentication has just checked the client is enabled and its secret good.
      if (!reader.scopes.includes(readEventsScope)) {
        return sendAnswer(c, errorAnswer("unauthorized_client", "token"));
      }

      if (!deps.signer.canSign()) {
        // The keys were rotated to a shared secret, which no resource server can verify.
        deps.logger.warn(
          "security events need an asymmetric signing key; rotate to EdDSA or ES256",
        );
        return sendAnswer(c, errorAnswer("revocations_unavailable", "resource"));
      }
      const lastEventId = requestHeader(c, "last-event-id");
      if (lastEventId !== undefined && !position.test(lastEventId)) {
        return sendAnswer(c, errorAnswer("invalid_request", "token"));
      }
      const latest = await deps.changes.latestSequence();
      const sinceMs = query.since === undefined ? 0 : Number(query.since) * 1000;
      const resumeAt = lastEventId === undefined ? undefined : Number(lastEventId);
      let cursor: number;
      let pending: PublishedEvent | undefined;
      if (resumeAt !== undefined && resumeAt <= latest) {
        cursor = resumeAt;
      } else {
        cursor = await positionAt(deps.changes, sinceMs, latest);
        // A position this feed never reached: it was replaced (restored, or another database),
        // so nothing said about what the reader missed can be trusted.
        if (resumeAt !== undefined) {
          const now = deps.clock.now();
          pending = { kind: "feed_gap", sequence: cursor, at: now, tokensValidAfter: now };
        }
      }

      const abort = new AbortController();
      let checkedAt = deps.clock.now();
      let announced = false;
      let wroteAt = Date.now();
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(encoder.encode("retry: 1000\n\n"));
        },
        async pull(controller) {
          try {
            for (;;) {
              if (deps.draining?.() === true) return controller.close();
              if (pending !== undefined) {
                controller.enqueue(message(pending.sequence, deps.signer.sign(pending, clientId)));
                cursor = pending.sequence;
                pending = undefined;
                return;
              }
              const events = await deps.changes.readAfter(cursor, batchSize);
              const [first] = events;
              if (first !== undefined && first.sequence > cursor + 1) {
                // Events after the reader's position were dropped from the feed.
                pending = gapBefore(first, deps.clock.now());
                continue;
              }
              const mine = events.some(
                (e) => e.kind === "client_changed" && e.clientId === clientId,
              );
              if (mine || deps.clock.now() - checkedAt >= recheckMs) {
                checkedAt = deps.clock.now();
                // The store, not the connection, says whether this client may still read.
                if (!(await allowed())) return controller.close();
              }
              if (events.length > 0) {
                const chunks = events.map((event) =>
                  message(event.sequence, deps.signer.sign(event, clientId)),
                );
                // Fewer than a full read: the reader now has everything, and is told so.
                if (events.length < batchSize) chunks.push(current);
                controller.enqueue(concat(chunks));
                wroteAt = Date.now();
                cursor = events.at(-1)?.sequence ?? cursor;
                return;
              }
              if (!announced) {
                announced = true;
                wroteAt = Date.now();
                controller.enqueue(current);
                return;
              }
              // Woken by a change, by the heartbeat, or each second to notice a shutdown.
              await watcher.waitBeyond(cursor, Math.min(heartbeatMs, 1000), abort.signal);
              if (abort.signal.aborted) return;
              // The heartbeat is the same comment: proxies see traffic, and the reader learns it
              // is still current.
              if (Date.now() - wroteAt >= heartbeatMs) {
                wroteAt = Date.now();
                controller.enqueue(current);
                return;
              }
            }
          } catch (error) {
            deps.logger.warn("a security event stream ended on an error", {
              error: error instanceof Error ? error.message : String(error),
            });
            controller.close();
          }
        },
        cancel() {
          abort.abort();
        },
      });
      return new Response(stream, {
        status: 200,
        headers: {
          "Content-Type": "text/event-stream",
          "Cache-Control": "no-store",
          // Proxies that buffer responses (nginx) would hold events back until the buffer fills.
          "X-Accel-Buffering": "no",
        },
      });
    },
  );
}

function gapBefore(first: ChangeEvent, now: number): PublishedEvent {
  // Every missing event was committed no later than the first one kept.
  return { kind: "feed_gap", sequence: first.sequence - 1, at: now, tokensValidAfter: first.at };
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
