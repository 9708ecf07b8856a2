// Device authorizations on PostgreSQL: the DeviceCodeStore part of the PostgreSQL store.
import type { DeviceCodeStore, DevicePoll } from "gatehouse-auth-core/device/device-codes";
import { applyDevicePoll } from "gatehouse-auth-core/device/device-codes";
import { z } from "zod";
import { createDeviceCodeReader, deviceCodeColumns } from "../rows/device-code-row.ts";
import type { PostgresPool } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

const readDeviceCode = createDeviceCodeReader({
  integer: bigintNumber,
  list: z.array(z.string()),
});

/** The device code part of the PostgreSQL store. */
export function createPostgresDeviceCodeStore(db: PostgresPool): DeviceCodeStore {
  const one = async (sql: string, params: readonly unknown[]) => {
    const [row] = await db.rows(sql, params);
    return row === undefined ? undefined : readDeviceCode(row);
  };

  return {
    async createDeviceCode(code, now) {
      return db.transaction(async (tx) => {
        await tx.run("DELETE FROM device_codes WHERE user_code_hash = $1 AND expires_at <= $2", [
          code.userCodeHash,
          now,
        ]);
        // A concurrent insert of the same user code waits on the unique index, then does nothing.
        const inserted = await tx.run(
          `INSERT INTO device_codes
             (device_code_hash, user_code_hash, client_id, scopes, created_at, expires_at, interval_seconds)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
          [
            code.deviceCodeHash,
            code.userCodeHash,
            code.clientId,
            [...code.scopes],
            code.createdAt,
            code.expiresAt,
            code.intervalSeconds,
          ],
        );
        return inserted > 0;
      });
    },

    findDeviceCode: (deviceCodeHash) =>
      one(`SELECT ${deviceCodeColumns} FROM device_codes WHERE device_code_hash = $1`, [
        deviceCodeHash,
      ]),

    findUserCode: (userCodeHash) =>
      one(`SELECT ${deviceCodeColumns} FROM device_codes WHERE user_code_hash = $1`, [
        userCodeHash,
      ]),

    decideDeviceCode: (userCodeHash, decision, now) =>
      one(
        `UPDATE device_codes SET state = $2, username = $3, granted_scopes = $4, decided_at = $5
         WHERE user_code_hash = $1 AND state = 'pending' AND expires_at > $5
         RETURNING ${deviceCodeColumns}`,
        [
          userCodeHash,
          decision.kind,
          decision.username,
          decision.kind === "approved" ? [...decision.scopes] : [],
          now,
        ],
      ),

    async pollDeviceCode(deviceCodeHash, now): Promise<DevicePoll | undefined> {
      // The row lock makes concurrent polls of one code take turns, each seeing the last one.
      return db.transaction(async (tx) => {
        const [row] = await tx.rows(
          `SELECT ${deviceCodeColumns} FROM device_codes WHERE device_code_hash = $1 FOR UPDATE`,
          [deviceCodeHash],
        );
        if (row === undefined) return undefined;
        const poll = applyDevicePoll(readDeviceCode(row), now);
        await tx.run(
          "UPDATE device_codes SET last_polled_at = $2, interval_seconds = $3 WHERE device_code_hash = $1",
          [deviceCodeHash, now, poll.record.intervalSeconds],
        );
        return poll;
      });
    },

    redeemDeviceCode: (deviceCodeHash, now) =>
      one(
        `UPDATE device_codes SET state = 'redeemed'
         WHERE device_code_hash = $1 AND state = 'approved' AND expires_at > $2
         RETURNING ${deviceCodeColumns}`,
        [deviceCodeHash, now],
      ),

    purgeDeviceCodes: (before) =>
      db.run("DELETE FROM device_codes WHERE expires_at < $1", [before]),
  };
}
