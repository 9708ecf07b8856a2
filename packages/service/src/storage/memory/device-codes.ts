// The DeviceCodeStore in process memory, with the same rules as the SQL ones.
import type {
  DeviceCodeRecord,
  DeviceCodeStore,
  DevicePoll,
} from "gatehouse-auth-core/device/device-codes";
import { applyDevicePoll } from "gatehouse-auth-core/device/device-codes";

// Callers get copies and the store keeps copies, so no one can change a stored record in place.
function copy(record: DeviceCodeRecord): DeviceCodeRecord {
  return { ...record, scopes: [...record.scopes], grantedScopes: [...record.grantedScopes] };
}

/** The device code part of the memory store; `clear` empties it when the store closes. */
export function createMemoryDeviceCodeStore(): DeviceCodeStore & { clear(): void } {
  const byDeviceCode = new Map<string, DeviceCodeRecord>();
  // User code hash → device code hash, for the codes not yet purged.
  const byUserCode = new Map<string, string>();

  const holderOf = (userCodeHash: string): DeviceCodeRecord | undefined => {
    const deviceCodeHash = byUserCode.get(userCodeHash);
    return deviceCodeHash === undefined ? undefined : byDeviceCode.get(deviceCodeHash);
  };
  const remove = (record: DeviceCodeRecord): void => {
    byDeviceCode.delete(record.deviceCodeHash);
    if (byUserCode.get(record.userCodeHash) === record.deviceCodeHash) {
      byUserCode.delete(record.userCodeHash);
    }
  };

  return {
    async createDeviceCode(code, now) {
      const holder = holderOf(code.userCodeHash);
      if (holder !== undefined) {
        if (holder.expiresAt > now) return false;
        remove(holder);
      }
      if (byDeviceCode.has(code.deviceCodeHash)) return false;
      byDeviceCode.set(
        code.deviceCodeHash,
        copy({
          ...code,
          lastPolledAt: null,
          state: "pending",
          username: null,
          grantedScopes: [],
          decidedAt: null,
        }),
      );
      byUserCode.set(code.userCodeHash, code.deviceCodeHash);
      return true;
    },

    async findDeviceCode(deviceCodeHash) {
      const record = byDeviceCode.get(deviceCodeHash);
      return record === undefined ? undefined : copy(record);
    },

    async findUserCode(userCodeHash) {
      const record = holderOf(userCodeHash);
      return record === undefined ? undefined : copy(record);
    },

    async decideDeviceCode(userCodeHash, decision, now) {
      const record = holderOf(userCodeHash);
      if (record === undefined || record.state !== "pending" || record.expiresAt <= now) {
        return undefined;
      }
      const decided: DeviceCodeRecord = {
        ...record,
        state: decision.kind,
        username: decision.username,
        grantedScopes: decision.kind === "approved" ? [...decision.scopes] : [],
        decidedAt: now,
      };
      byDeviceCode.set(record.deviceCodeHash, decided);
      return copy(decided);
    },

    async pollDeviceCode(deviceCodeHash, now): Promise<DevicePoll | undefined> {
      const record = byDeviceCode.get(deviceCodeHash);
      if (record === undefined) return undefined;
      const poll = applyDevicePoll(record, now);
      byDeviceCode.set(deviceCodeHash, poll.record);
      return { record: copy(poll.record), tooFast: poll.tooFast };
    },

    async redeemDeviceCode(deviceCodeHash, now) {
      const record = byDeviceCode.get(deviceCodeHash);
      if (record === undefined || record.state !== "approved" || record.expiresAt <= now) {
        return undefined;
      }
      const redeemed: DeviceCodeRecord = { ...record, state: "redeemed" };
      byDeviceCode.set(deviceCodeHash, redeemed);
      return copy(redeemed);
    },

    async purgeDeviceCodes(before) {
      let purged = 0;
      for (const record of [...byDeviceCode.values()]) {
        if (record.expiresAt < before) {
          remove(record);
          purged++;
        }
      }
      return purged;
    },

    clear() {
      byDeviceCode.clear();
      byUserCode.clear();
    },
  };
}
