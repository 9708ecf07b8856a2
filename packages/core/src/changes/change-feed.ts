// The change feed: every change that affects whether a token is still good, in commit order.

/** What every change event carries. */
interface ChangeEventBase {
  /** Monotonic, gap-free per store: assigned in the same transaction as the change. */
  readonly sequence: number;
  /** When the change was committed, in milliseconds since the epoch. */
  readonly at: number;
}

/**
 * One change that may make tokens invalid. Events name what changed, never personal data
 * beyond the subject (a username, a client id, a token id, a key id).
 */
export type ChangeEvent =
  | (ChangeEventBase & {
      /** An access token's `jti` was revoked; refuse it until `expiresAt` (ms since the epoch). */
      readonly kind: "access_token_revoked";
      readonly tokenId: string;
      readonly expiresAt: number;
    })
  | (ChangeEventBase & {
      /**
       * A user's state changed: a cut-off moved (log out everywhere, password change, admin
       * revoke), the account was disabled or enabled, its scopes changed, or it was created.
       * `tokensValidAfter` is the cut-off after the change (`null` when none).
       */
      readonly kind: "user_changed";
      readonly username: string;
      readonly disabled: boolean;
      readonly tokensValidAfter: number | null;
    })
  | (ChangeEventBase & {
      /** A user was deleted: every token naming them is refused. */
      readonly kind: "user_deleted";
      readonly username: string;
    })
  | (ChangeEventBase & {
      /** A registered client was disabled, enabled, changed or deleted. */
      readonly kind: "client_changed";
      readonly clientId: string;
    })
  | (ChangeEventBase & {
      /** A signing key was added, retired or removed. */
      readonly kind: "signing_key_changed";
      readonly keyId: string;
    });

/** The kinds of {@link ChangeEvent}. */
export type ChangeEventKind = ChangeEvent["kind"];

/**
 * The read side of the feed, as every store provides it. Stores append events themselves, in the
 * same transaction as the change they describe, so a committed change always has its event and
 * an event never describes a change that was rolled back.
 */
export interface ChangeFeed {
  /** Events with a sequence above `after`, oldest first, at most `limit` of them. */
  readAfter(after: number, limit: number): Promise<readonly ChangeEvent[]>;
  /** The highest sequence committed so far; 0 when there is none. */
  latestSequence(): Promise<number>;
  /**
   * The lowest sequence still kept: events older than the store's retention are pruned. A reader
   * whose last applied sequence is below `oldestSequence() - 1` has missed events it can no
   * longer read, and must start again from the current state. `latestSequence() + 1` when no
   * event is kept.
   */
  oldestSequence(): Promise<number>;
  /**
   * Calls `listener` soon after the feed may have grown — after this process committed an
   * append, and on PostgreSQL after another instance's append reached this one — so readers need
   * not wait for their next poll. Best effort (another process's append to a SQLite file is not
   * seen), and it may call without anything new: readers still poll. Returns the function that
   * stops the calls. Absent on a feed that cannot tell.
   */
  watch?(listener: () => void): () => void;
}

/** How long a store keeps change events by default: seven days, in milliseconds. */
export const defaultChangeRetentionMs = 7 * 24 * 60 * 60 * 1000;
