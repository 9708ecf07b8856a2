import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeviceCodeRecord } from "./device-codes.ts";
import {
  applyDevicePoll,
  formatUserCode,
  generateDeviceCode,
  generateUserCode,
  hashDeviceCode,
  hashUserCode,
  isDeviceCodeShaped,
  normalizeUserCode,
  userCodeAlphabet,
} from "./device-codes.ts";

describe("user codes", () => {
  it("draws 8 characters of the consonant alphabet, never a vowel or a digit", () => {
    const seen = new Set<string>();
    for (let draw = 0; draw < 2000; draw++) {
      const code = generateUserCode();
      assert.match(code, /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      for (const character of code) seen.add(character);
    }

    assert.equal(seen.size, userCodeAlphabet.length);
  });

  it("is shown as XXXX-XXXX", () => {
    assert.equal(formatUserCode("WDJBMJHT"), "WDJB-MJHT");
  });

  it("is read in any case, with or without the dash or spaces (RFC 8628 §6.1)", () => {
    for (const typed of ["WDJB-MJHT", "wdjb-mjht", "wdjbmjht", " WDJB MJHT ", "Wdjb-Mjht"]) {
      assert.equal(normalizeUserCode(typed), "WDJBMJHT", typed);
    }
  });

  it("reads nothing that cannot be a code: vowels, digits, the wrong length", () => {
    for (const typed of ["WDJB-MJHA", "WDJB-MJH1", "WDJB-MJH", "WDJB-MJHTT", "", "WDJB_MJHT"]) {
      assert.equal(normalizeUserCode(typed), undefined, typed);
    }
  });

  it("stores a hash that differs from the device code's hash of the same text", () => {
    assert.notEqual(hashUserCode("WDJBMJHT"), hashDeviceCode("WDJBMJHT"));
    assert.equal(hashUserCode("WDJBMJHT"), hashUserCode("WDJBMJHT"));
  });
});

describe("device codes", () => {
  it("are 256 random bits, base64url, each new", () => {
    const first = generateDeviceCode();

    assert.ok(isDeviceCodeShaped(first));
    assert.notEqual(first, generateDeviceCode());
    assert.equal(isDeviceCodeShaped(`${first}A`), false);
    assert.equal(isDeviceCodeShaped("eyJ.a.b"), false);
  });
});

describe("applyDevicePoll", () => {
  const record: DeviceCodeRecord = {
    deviceCodeHash: "d",
    userCodeHash: "u",
    clientId: "tv",
    scopes: [],
    createdAt: 0,
    expiresAt: 600_000,
    intervalSeconds: 5,
    lastPolledAt: null,
    state: "pending",
    username: null,
    grantedScopes: [],
    decidedAt: null,
  };

  it("takes the first poll as on time", () => {
    assert.equal(applyDevicePoll(record, 1).tooFast, false);
  });

  it("takes a poll exactly one interval after the last as on time", () => {
    const poll = applyDevicePoll({ ...record, lastPolledAt: 1000 }, 6000);

    assert.equal(poll.tooFast, false);
    assert.equal(poll.record.intervalSeconds, 5);
  });

  it("takes a poll a millisecond early as too fast and adds 5 s (RFC 8628 §3.5)", () => {
    const poll = applyDevicePoll({ ...record, lastPolledAt: 1000 }, 5999);

    assert.equal(poll.tooFast, true);
    assert.equal(poll.record.intervalSeconds, 10);
    assert.equal(poll.record.lastPolledAt, 5999);
  });
});
