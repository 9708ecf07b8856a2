// A device_codes row as both SQL adapters read it, and its translation to a DeviceCodeRecord.
import type { DeviceCodeRecord } from "gatehouse-auth-core/device/device-codes";
import { z } from "zod";

/** The columns every device code query selects, in this order. */
export const deviceCodeColumns =
  "device_code_hash, user_code_hash, client_id, scopes, created_at, expires_at, interval_seconds, last_polled_at, state, username, granted_scopes, decided_at";

/** How one driver returns the column types that differ between SQLite and PostgreSQL. */
export interface DeviceCodeColumnTypes {
  /** Milliseconds since the epoch, or a count. */
  readonly integer: z.ZodType<number>;
  /** A list of scope names. */
  readonly list: z.ZodType<string[]>;
}

/**
 * Makes the reader of device_codes rows for one driver. The reader throws a `TypeError` for a
 * malformed row — a foreign writer or a missed migration — whose message never holds a value.
 */
export function createDeviceCodeReader(
  types: DeviceCodeColumnTypes,
): (row: unknown) => DeviceCodeRecord {
  const schema = z.object({
    device_code_hash: z.string().min(1),
    user_code_hash: z.string().min(1),
    client_id: z.string(),
    scopes: types.list,
    created_at: types.integer,
    expires_at: types.integer,
    interval_seconds: types.integer,
    last_polled_at: types.integer.nullable(),
    state: z.enum(["pending", "approved", "denied", "redeemed"]),
    username: z.string().nullable(),
    granted_scopes: types.list,
    decided_at: types.integer.nullable(),
  });
  return (row) => {
    const result = schema.safeParse(row);
    if (!result.success) throw new TypeError("malformed row in device_codes");
    const code = result.data;
    return {
      deviceCodeHash: code.device_code_hash,
      userCodeHash: code.user_code_hash,
      clientId: code.client_id,
      scopes: code.scopes,
      createdAt: code.created_at,
      expiresAt: code.expires_at,
      intervalSeconds: code.interval_seconds,
      lastPolledAt: code.last_polled_at,
      state: code.state,
      username: code.username,
      grantedScopes: code.granted_scopes,
      decidedAt: code.decided_at,
    };
  };
}
