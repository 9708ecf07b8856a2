import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { loadSettings } from "./config.ts";

describe("scale-out settings", () => {
  it("defaults to one process, the documented throttle, no trusted proxy and bounded timeouts", () => {
    const settings = loadSettings({});

    assert.equal(settings.workers, 1);
    assert.deepEqual(settings.throttle, {
      account: { freeFailures: 5, baseDelayMs: 1000, maxDelayMs: 900_000, windowMs: 3_600_000 },
      address: { freeFailures: 20, baseDelayMs: 1000, maxDelayMs: 900_000, windowMs: 3_600_000 },
    });
    assert.deepEqual(settings.trustedProxies, []);
    assert.equal(settings.requestTimeoutMs, 30_000);
    assert.equal(settings.headersTimeoutMs, 10_000);
    assert.equal(settings.maxHeaderBytes, 16_384);
    assert.equal(settings.shutdownTimeoutMs, 10_000);
  });

  it("reads the throttle from its variables", () => {
    const settings = loadSettings({
      GATEHOUSE_THROTTLE_FREE_FAILURES: "3",
      GATEHOUSE_THROTTLE_ADDRESS_FREE_FAILURES: "50",
      GATEHOUSE_THROTTLE_BASE_DELAY_SECONDS: "2",
      GATEHOUSE_THROTTLE_MAX_DELAY_SECONDS: "60",
      GATEHOUSE_THROTTLE_WINDOW_SECONDS: "600",
    });

    assert.deepEqual(settings.throttle.account, {
      freeFailures: 3,
      baseDelayMs: 2000,
      maxDelayMs: 60_000,
      windowMs: 600_000,
    });
    assert.equal(settings.throttle.address.freeFailures, 50);
  });

  it("reads trusted proxies as a comma-separated list of addresses and ranges", () => {
    const settings = loadSettings({ GATEHOUSE_TRUSTED_PROXIES: " 10.0.0.0/8, ::1 ,," });

    assert.deepEqual(settings.trustedProxies, ["10.0.0.0/8", "::1"]);
  });

  it("refuses a trusted proxy given by name", () => {
    assert.throws(
      () => loadSettings({ GATEHOUSE_TRUSTED_PROXIES: "10.0.0.1,proxy.internal" }),
      /GATEHOUSE_TRUSTED_PROXIES/,
    );
  });

  it("refuses a headers timeout longer than the request timeout", () => {
    assert.throws(
      () =>
        loadSettings({
          GATEHOUSE_HEADERS_TIMEOUT_MS: "5000",
          GATEHOUSE_REQUEST_TIMEOUT_MS: "1000",
        }),
      RangeError,
    );
  });

  it("refuses a first lock longer than the longest", () => {
    assert.throws(
      () =>
        loadSettings({
          GATEHOUSE_THROTTLE_BASE_DELAY_SECONDS: "100",
          GATEHOUSE_THROTTLE_MAX_DELAY_SECONDS: "10",
        }),
      RangeError,
    );
  });

  it("shares the spare cores among worker processes for hashing, at least one each", () => {
    const cores = availableParallelism();

    assert.equal(
      loadSettings({ GATEHOUSE_WORKERS: "2" }).hashWorkers,
      Math.max(1, Math.floor((cores - 1) / 2)),
    );
    assert.equal(loadSettings({ GATEHOUSE_WORKERS: "64" }).hashWorkers, 1);
    assert.equal(
      loadSettings({ GATEHOUSE_WORKERS: "2", GATEHOUSE_HASH_WORKERS: "3" }).hashWorkers,
      3,
    );
  });
});
