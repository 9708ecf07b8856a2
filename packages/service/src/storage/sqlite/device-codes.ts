// The DeviceCodeStore on SQLite: one row per device authorization, scope lists as JSON arrays.
import type { DatabaseSync } from "node:sqlite";
import type { DeviceCodeStore, DevicePoll } from "gatehouse-auth-core/device/device-codes";
import { applyDevicePoll } from "gatehouse-auth-core/device/device-codes";
import { z } from "zod";
import { createDeviceCodeReader, deviceCodeColumns } from "../rows/device-code-row.ts";
import { inWriteTransaction } from "./transaction.ts";

const readDeviceCode = createDeviceCodeReader({
  integer: z.number().int(),
  list: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(z.array(z.string())),
});

/** The device code part of the SQLite store, on an open, migrated database. */
export function createSqliteDeviceCodeStore(db: DatabaseSync): DeviceCodeStore {
  const dropExpiredHolder = db.prepare(
    "DELETE FROM device_codes WHERE user_code_hash = ? AND expires_at <= ?",
  );
  const insert = db.prepare(
    `INSERT INTO device_codes
       (device_code_hash, user_code_hash, client_id, scopes, created_at, expires_at, interval_seconds)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );
  const findByDeviceCode = db.prepare(
    `SELECT ${deviceCodeColumns} FROM device_codes WHERE device_code_hash = ?`,
  );
  const findByUserCode = db.prepare(
    `SELECT ${deviceCodeColumns} FROM device_codes WHERE user_code_hash = ?`,
  );
  const decide = db.prepare(
    `UPDATE device_codes SET state = ?, username = ?, granted_scopes = ?, decided_at = ?
     WHERE user_code_hash = ? AND state = 'pending' AND expires_at > ?
     RETURNING ${deviceCodeColumns}`,
  );
  const recordPoll = db.prepare(
    "UPDATE device_codes SET last_polled_at = ?, interval_seconds = ? WHERE device_code_hash = ?",
  );
  const redeem = db.prepare(
    `UPDATE device_codes SET state = 'redeemed'
     WHERE device_code_hash = ? AND state = 'approved' AND expires_at > ?
     RETURNING ${deviceCodeColumns}`,
  );
  const purge = db.prepare("DELETE FROM device_codes WHERE expires_at < ?");

  return {
    async createDeviceCode(code, now) {
      return inWriteTransaction(db, () => {
        dropExpiredHolder.run(code.userCodeHash, now);
        const { changes } = insert.run(
          code.deviceCodeHash,
          code.userCodeHash,
          code.clientId,
          JSON.stringify(code.scopes),
          code.createdAt,
          code.expiresAt,
          code.intervalSeconds,
        );
        return changes > 0;
      });
    },

    async findDeviceCode(deviceCodeHash) {
      const row = findByDeviceCode.get(deviceCodeHash);
      return row === undefined ? undefined : readDeviceCode(row);
    },

    async findUserCode(userCodeHash) {
      const row = findByUserCode.get(userCodeHash);
      return row === undefined ? undefined : readDeviceCode(row);
    },

    async decideDeviceCode(userCodeHash, decision, now) {
      const row = decide.get(
        decision.kind,
        decision.username,
        JSON.stringify(decision.kind === "approved" ? decision.scopes : []),
        now,
        userCodeHash,
        now,
      );
      return row === undefined ? undefined : readDeviceCode(row);
    },

    async pollDeviceCode(deviceCodeHash, now): Promise<DevicePoll | undefined> {
      // Read and write under the write lock, so two polls at once are decided one after the other.
      return inWriteTransaction(db, () => {
        const row = findByDeviceCode.get(deviceCodeHash);
        if (row === undefined) return undefined;
        const poll = applyDevicePoll(readDeviceCode(row), now);
        recordPoll.run(now, poll.record.intervalSeconds, deviceCodeHash);
        return poll;
      });
    },

    async redeemDeviceCode(deviceCodeHash, now) {
      const row = redeem.get(deviceCodeHash, now);
      return row === undefined ? undefined : readDeviceCode(row);
    },

    async purgeDeviceCodes(before) {
      return Number(purge.run(before).changes);
    },
  };
}
