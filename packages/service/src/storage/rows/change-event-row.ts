// A change_events row as both SQL adapters read and write it, and its translation to a ChangeEvent.
import type { ChangeEvent } from "gatehouse-auth-core/changes/change-feed";
import type { UserRecord } from "gatehouse-auth-core/users/user";
import { z } from "zod";

/** A {@link ChangeEvent} before the store numbers and stamps it. */
export type NewChangeEvent = ChangeEvent extends infer Event
  ? Event extends ChangeEvent
    ? Omit<Event, "sequence" | "at">
    : never
  : never;

/** The columns every change event query selects, in this order. */
export const changeEventColumns =
  "sequence, at, kind, subject, disabled, tokens_valid_after, expires_at";

/** The event a write of `record` (created or changed) appends. */
export function userChanged(record: UserRecord): NewChangeEvent {
  return {
    kind: "user_changed",
    username: record.username,
    disabled: record.disabled,
    tokensValidAfter: record.tokensValidAfter,
  };
}

/** The values of the columns after `sequence` and `at`, in {@link changeEventColumns} order. */
export function changeEventValues(
  event: NewChangeEvent,
): [string, string, boolean | null, number | null, number | null] {
  switch (event.kind) {
    case "access_token_revoked":
      return [event.kind, event.tokenId, null, null, event.expiresAt];
    case "user_changed":
      return [event.kind, event.username, event.disabled, event.tokensValidAfter, null];
    case "user_deleted":
      return [event.kind, event.username, null, null, null];
    case "client_changed":
      return [event.kind, event.clientId, null, null, null];
    case "signing_key_changed":
      return [event.kind, event.keyId, null, null, null];
    default: {
      const unreachable: never = event;
      throw new TypeError(`unhandled change kind ${String(unreachable)}`);
    }
  }
}

/** How one driver returns the column types that differ between SQLite and PostgreSQL. */
export interface ChangeEventColumnTypes {
  readonly integer: z.ZodType<number>;
  readonly flag: z.ZodType<boolean>;
}

/**
 * Makes the reader of change_events rows for one driver. The reader throws a `TypeError` for a
 * malformed row — a foreign writer or a missed migration — whose message never holds a value.
 */
export function createChangeEventReader(
  types: ChangeEventColumnTypes,
): (row: unknown) => ChangeEvent {
  const schema = z.object({
    sequence: types.integer,
    at: types.integer,
    kind: z.enum([
      "access_token_revoked",
      "user_changed",
      "user_deleted",
      "client_changed",
      "signing_key_changed",
    ]),
    subject: z.string(),
    disabled: types.flag.nullable(),
    tokens_valid_after: types.integer.nullable(),
    expires_at: types.integer.nullable(),
  });
  const malformed = (): TypeError => new TypeError("malformed row in change_events");
  return (row) => {
    const result = schema.safeParse(row);
    if (!result.success) throw malformed();
    const { sequence, at, kind, subject, disabled, tokens_valid_after, expires_at } = result.data;
    switch (kind) {
      case "access_token_revoked":
        if (expires_at === null) throw malformed();
        return { sequence, at, kind, tokenId: subject, expiresAt: expires_at };
      case "user_changed":
        if (disabled === null) throw malformed();
        return {
          sequence,
          at,
          kind,
          username: subject,
          disabled,
          tokensValidAfter: tokens_valid_after,
        };
      case "user_deleted":
        return { sequence, at, kind, username: subject };
      case "client_changed":
        return { sequence, at, kind, clientId: subject };
      case "signing_key_changed":
        return { sequence, at, kind, keyId: subject };
      default: {
        const unreachable: never = kind;
        throw new TypeError(`unhandled change kind ${String(unreachable)}`);
      }
    }
  };
}
