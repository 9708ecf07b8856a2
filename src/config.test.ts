import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadSettings } from "./config.ts";

const secret = "a configured signing secret of enough length";

describe("loadSettings for operations and migration", () => {
  it("keeps audit events 90 days, leaves metrics open and legacy tokens refused by default", () => {
    const settings = loadSettings({});

    assert.equal(settings.auditRetentionDays, 90);
    assert.equal(settings.metricsToken, undefined);
    assert.equal(settings.legacyTokensUntil, undefined);
    assert.equal(settings.fastapiCompatClaims, false);
  });

  it("reads the retention, metrics token, legacy window and compat claims", () => {
    const settings = loadSettings({
      GATEHOUSE_AUDIT_RETENTION_DAYS: "30",
      GATEHOUSE_METRICS_TOKEN: "a-long-enough-metrics-token",
      GATEHOUSE_JWT_SECRET: secret,
      GATEHOUSE_LEGACY_TOKENS_UNTIL: "2026-03-01",
      GATEHOUSE_FASTAPI_COMPAT_CLAIMS: "true",
    });

    assert.equal(settings.auditRetentionDays, 30);
    assert.equal(settings.metricsToken, "a-long-enough-metrics-token");
    assert.equal(settings.legacyTokensUntil, Date.UTC(2026, 2, 1));
    assert.equal(settings.fastapiCompatClaims, true);
  });

  it("treats empty values as unset", () => {
    const settings = loadSettings({
      GATEHOUSE_METRICS_TOKEN: "",
      GATEHOUSE_LEGACY_TOKENS_UNTIL: "",
    });

    assert.equal(settings.metricsToken, undefined);
    assert.equal(settings.legacyTokensUntil, undefined);
  });

  it("refuses a legacy window without the shared secret", () => {
    assert.throws(
      () => loadSettings({ GATEHOUSE_LEGACY_TOKENS_UNTIL: "2026-03-01" }),
      /GATEHOUSE_LEGACY_TOKENS_UNTIL needs GATEHOUSE_JWT_SECRET/,
    );
  });

  it("refuses a legacy window that is not an ISO date", () => {
    assert.throws(
      () => loadSettings({ GATEHOUSE_JWT_SECRET: secret, GATEHOUSE_LEGACY_TOKENS_UNTIL: "soon" }),
      /GATEHOUSE_LEGACY_TOKENS_UNTIL/,
    );
  });

  it("refuses a short metrics token and a retention of zero days", () => {
    assert.throws(() => loadSettings({ GATEHOUSE_METRICS_TOKEN: "short" }), RangeError);
    assert.throws(() => loadSettings({ GATEHOUSE_AUDIT_RETENTION_DAYS: "0" }), RangeError);
  });
});
