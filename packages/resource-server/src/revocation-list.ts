// What a resource server knows of revocations: revoked token ids, subjects' cut-offs, disabled and
// deleted subjects, and gaps — applied from the security event stream, checked per request.
import type { PublishedEvent } from "gatehouse-auth-core/changes/security-event-token";
import { AuthError } from "gatehouse-auth-core/errors";
import { issuedAtMillis } from "gatehouse-auth-core/tokens/claims";
import type { RemotePrincipal } from "./remote-verifier.ts";

interface SubjectState {
  readonly disabled: boolean;
  readonly deleted: boolean;
  /** Tokens issued before this (ms) are refused; `null` for none. */
  readonly tokensValidAfter: number | null;
  /** When the state was committed: once tokens that old have expired, the entry goes. */
  readonly at: number;
}

/** The revocations a guard holds in memory. */
export interface RevocationList {
  /** Applies one event of the stream, in sequence order. */
  apply(event: PublishedEvent): void;
  /**
   * Refuses a verified principal whose token was revoked; returns otherwise. A Map lookup or two:
   * no I/O.
   * @throws {AuthError} token_invalid when its `jti` was revoked, its subject was deleted, or it
   * was issued before its subject's cut-off or before a gap in the stream
   * @throws {AuthError} inactive_user when its subject is disabled
   */
  check(principal: RemotePrincipal): void;
  /** Drops what can no longer refuse any token: every token it covered has expired. */
  sweep(now: number): void;
  /** How many token ids and subjects are held. */
  size(): { readonly tokens: number; readonly subjects: number };
}

/**
 * Creates an empty list. `maxLifetimeMs` is the longest token lifetime the verifier accepts: a
 * subject's state older than that refuses nothing a verifier would still accept, so it is swept.
 */
export function createRevocationList(maxLifetimeMs: number): RevocationList {
  const revoked = new Map<string, number>();
  const subjects = new Map<string, SubjectState>();
  let validAfter = Number.NEGATIVE_INFINITY;

  return {
    apply(event) {
      switch (event.kind) {
        case "access_token_revoked":
          revoked.set(event.tokenId, event.expiresAt);
          return;
        case "user_changed": {
          const before = subjects.get(event.username);
          // A name deleted and created again: tokens of the earlier account stay refused (the
          // account's own cut-off may be null, as a new account's is).
          const floor = before?.deleted === true ? before.at : null;
          const cutOff =
            floor === null
              ? event.tokensValidAfter
              : Math.max(floor, event.tokensValidAfter ?? Number.NEGATIVE_INFINITY);
          subjects.set(event.username, {
            disabled: event.disabled,
            deleted: false,
            tokensValidAfter: cutOff,
            at: event.at,
          });
          return;
        }
        case "user_deleted":
          subjects.set(event.username, {
            disabled: false,
            deleted: true,
            tokensValidAfter: null,
            at: event.at,
          });
          return;
        case "feed_gap":
          validAfter = Math.max(validAfter, event.tokensValidAfter);
          return;
        case "client_changed":
        case "signing_key_changed":
          // Not revocations of their own: a key removed leaves the JWKS, which the subscription
          // re-reads; a client's state is not in the event.
          return;
        default: {
          const unknown: never = event;
          throw new TypeError(`unknown event ${String(unknown)}`);
        }
      }
    },
    check(principal) {
      const { claims } = principal;
      const issuedAt = issuedAtMillis(claims.iat ?? 0, claims.iat_ms);
      if (issuedAt < validAfter) {
        throw new AuthError("token_invalid", "token predates a gap in the revocation stream");
      }
      if (claims.jti !== undefined && revoked.has(claims.jti)) {
        throw new AuthError("token_invalid", "token has been revoked");
      }
      const subject = subjects.get(principal.subject);
      if (subject === undefined) return;
      if (subject.deleted) throw new AuthError("token_invalid", "token subject was deleted");
      if (subject.disabled) throw new AuthError("inactive_user", "token subject is disabled");
      if (subject.tokensValidAfter !== null && issuedAt < subject.tokensValidAfter) {
        throw new AuthError("token_invalid", "token was issued before its subject's cut-off");
      }
    },
    sweep(now) {
      for (const [tokenId, expiresAt] of revoked) {
        if (expiresAt <= now) revoked.delete(tokenId);
      }
      for (const [name, state] of subjects) {
        // A token issued before the cut-off or the change has expired by then; none issued after
        // it is refused by this entry, as no token is issued to a disabled or deleted account.
        const covers = Math.max(state.at, state.tokensValidAfter ?? Number.NEGATIVE_INFINITY);
        if (covers + maxLifetimeMs < now) subjects.delete(name);
      }
    },
    size: () => ({ tokens: revoked.size, subjects: subjects.size }),
  };
}
