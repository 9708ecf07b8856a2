import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { loadSettings } from "./config.ts";

// FastAPI's tutorial key: published, so anyone can forge tokens signed with it.
const publishedKey = "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7";
const goodSecret = "k".repeat(32);

describe("loadSettings", () => {
  describe("defaults", () => {
    it("listens on 127.0.0.1:8000 by default", () => {
      const settings = loadSettings({});

      assert.equal(settings.host, "127.0.0.1");
      assert.equal(settings.port, 8000);
    });

    it("keeps data in ./data/gatehouse.db by default", () => {
      const settings = loadSettings({});

      assert.deepEqual(settings.database, { kind: "sqlite", path: "./data/gatehouse.db" });
    });

    it("issues tokens for the seed's 30 minutes by default", () => {
      const settings = loadSettings({});

      assert.equal(settings.accessTokenLifetimeSeconds, 1800);
    });

    it("defaults to no demo or secret, the base URL as issuer and audience, and lenient grants", () => {
      const settings = loadSettings({});

      assert.equal(settings.demo, false);
      assert.equal(settings.jwtSecret, undefined);
      assert.equal(settings.issuer, "http://127.0.0.1:8000");
      assert.equal(settings.audience, "http://127.0.0.1:8000");
      assert.equal(settings.strictGrantType, false);
      assert.equal(settings.passwordGrantRequiresClient, false);
    });

    it("derives the issuer from HOST and PORT, an IPv6 host in brackets", () => {
      assert.equal(loadSettings({ HOST: "::1", PORT: "9000" }).issuer, "http://[::1]:9000");
    });

    it("writes no default audience with FastAPI-compatible claims (PyJWT refuses an unexpected aud)", () => {
      const settings = loadSettings({ GATEHOUSE_FASTAPI_COMPAT_CLAIMS: "true" });

      assert.equal(settings.audience, undefined);
    });

    it("reads GATEHOUSE_PASSWORD_GRANT_REQUIRES_CLIENT", () => {
      const settings = loadSettings({ GATEHOUSE_PASSWORD_GRANT_REQUIRES_CLIENT: "true" });

      assert.equal(settings.passwordGrantRequiresClient, true);
    });

    it("defaults the hash pool to one worker fewer than the machine's parallelism, queue 256", () => {
      const settings = loadSettings({});

      assert.equal(settings.hashWorkers, Math.max(1, availableParallelism() - 1));
      assert.equal(settings.hashQueue, 256);
    });

    it("gives device codes 10 minutes and a 5 s polling interval by default (RFC 8628 §3.2)", () => {
      assert.deepEqual(loadSettings({}).deviceCodes, { lifetimeSeconds: 600, intervalSeconds: 5 });
    });

    it("reads the device code lifetime and interval, refusing values outside their bounds", () => {
      const settings = loadSettings({
        GATEHOUSE_DEVICE_CODE_LIFETIME_SECONDS: "120",
        GATEHOUSE_DEVICE_POLL_INTERVAL_SECONDS: "2",
      });

      assert.deepEqual(settings.deviceCodes, { lifetimeSeconds: 120, intervalSeconds: 2 });
      assert.throws(() => loadSettings({ GATEHOUSE_DEVICE_CODE_LIFETIME_SECONDS: "59" }));
      assert.throws(() => loadSettings({ GATEHOUSE_DEVICE_POLL_INTERVAL_SECONDS: "0" }));
    });

    it("logs at info by default", () => {
      const settings = loadSettings({});

      assert.equal(settings.logLevel, "info");
    });
  });

  describe("reading the environment", () => {
    it("reads every variable it knows", () => {
      const settings = loadSettings({
        HOST: "0.0.0.0",
        PORT: "9000",
        GATEHOUSE_DATABASE_URL: ":memory:",
        GATEHOUSE_JWT_SECRET: goodSecret,
        GATEHOUSE_ACCESS_TOKEN_LIFETIME: "60",
        GATEHOUSE_ISSUER: "https://gatehouse.test",
        GATEHOUSE_AUDIENCE: "items-api",
        GATEHOUSE_STRICT_GRANT_TYPE: "true",
        GATEHOUSE_HASH_WORKERS: "2",
        GATEHOUSE_HASH_QUEUE: "10",
        GATEHOUSE_LOG_LEVEL: "debug",
      });

      const expected = {
        host: "0.0.0.0",
        port: 9000,
        database: { kind: "sqlite", path: ":memory:" },
        demo: false,
        jwtSecret: goodSecret,
        accessTokenLifetimeSeconds: 60,
        issuer: "https://gatehouse.test",
        audience: "items-api",
        strictGrantType: true,
        hashWorkers: 2,
        hashQueue: 10,
        logLevel: "debug",
      };
      const read = Object.fromEntries(
        Object.keys(expected).map((key) => [
          key,
          (settings as unknown as Record<string, unknown>)[key],
        ]),
      );

      assert.deepEqual(read, expected);
    });

    it("accepts port 0 (any free port) and 65535", () => {
      assert.equal(loadSettings({ PORT: "0" }).port, 0);
      assert.equal(loadSettings({ PORT: "65535" }).port, 65535);
    });

    for (const port of ["", "abc", "-1", "65536", "80.5", " 80", "0x50", "1e3"]) {
      it(`refuses PORT=${JSON.stringify(port)} with a RangeError`, () => {
        assert.throws(() => loadSettings({ PORT: port }), RangeError);
      });
    }

    it("refuses a device proof secret shorter than 32 bytes, and reads one as long", () => {
      assert.throws(
        () => loadSettings({ GATEHOUSE_DEVICE_PROOF_SECRET: "x".repeat(31) }),
        RangeError,
      );
      assert.equal(
        loadSettings({ GATEHOUSE_DEVICE_PROOF_SECRET: "x".repeat(32) }).deviceProofSecret,
        "x".repeat(32),
      );
      assert.equal(loadSettings({}).deviceProofSecret, undefined);
    });

    for (const lifetime of ["0", "86401", "30m"]) {
      it(`refuses GATEHOUSE_ACCESS_TOKEN_LIFETIME=${lifetime} with a RangeError`, () => {
        assert.throws(
          () => loadSettings({ GATEHOUSE_ACCESS_TOKEN_LIFETIME: lifetime }),
          RangeError,
        );
      });
    }

    for (const [raw, expected] of [
      ["true", true],
      ["1", true],
      ["yes", true],
      ["on", true],
      ["false", false],
      ["0", false],
      ["no", false],
      ["off", false],
      ["", false],
    ] as const) {
      it(`reads the flag value ${JSON.stringify(raw)} as ${expected}`, () => {
        assert.equal(loadSettings({ GATEHOUSE_STRICT_GRANT_TYPE: raw }).strictGrantType, expected);
      });
    }

    it("refuses a flag value it does not know", () => {
      assert.throws(() => loadSettings({ GATEHOUSE_DEMO: "maybe" }), RangeError);
    });

    it("accepts tokens living as long as it issues them, and one minute of clock skew, by default", () => {
      const settings = loadSettings({ GATEHOUSE_ACCESS_TOKEN_LIFETIME: "900" });

      assert.equal(settings.maxTokenLifetimeSeconds, 900);
      assert.equal(settings.clockSkewSeconds, 60);
    });

    it("refuses a longest token lifetime below the issued one, naming both", () => {
      assert.throws(
        () =>
          loadSettings({
            GATEHOUSE_ACCESS_TOKEN_LIFETIME: "1800",
            GATEHOUSE_MAX_TOKEN_LIFETIME_SECONDS: "900",
          }),
        /GATEHOUSE_MAX_TOKEN_LIFETIME_SECONDS must not be below GATEHOUSE_ACCESS_TOKEN_LIFETIME/,
      );
    });

    it("refuses an unknown log level", () => {
      assert.throws(() => loadSettings({ GATEHOUSE_LOG_LEVEL: "verbose" }), RangeError);
    });

    it("names every invalid variable in one error", () => {
      const error = (() => {
        try {
          loadSettings({ PORT: "x", GATEHOUSE_HASH_WORKERS: "0" });
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();

      assert.ok(error instanceof RangeError);
      assert.match(error.message, /PORT/);
      assert.match(error.message, /GATEHOUSE_HASH_WORKERS/);
    });

    it("returns a frozen object", () => {
      const settings = loadSettings({});

      assert.ok(Object.isFrozen(settings));
      assert.throws(() => {
        (settings as { port: number }).port = 1;
      }, TypeError);
    });
  });

  describe("the JWT secret", () => {
    it("accepts a secret of 32 bytes", () => {
      const settings = loadSettings({ GATEHOUSE_JWT_SECRET: goodSecret });

      assert.equal(settings.jwtSecret, goodSecret);
    });

    it("counts the secret in UTF-8 bytes, not characters", () => {
      const settings = loadSettings({ GATEHOUSE_JWT_SECRET: "é".repeat(16) });

      assert.equal(settings.jwtSecret, "é".repeat(16));
    });

    it("refuses a secret shorter than 32 bytes", () => {
      assert.throws(() => loadSettings({ GATEHOUSE_JWT_SECRET: "k".repeat(31) }), RangeError);
    });

    it("refuses a secret shorter than 32 bytes in demo mode too, since no token could be signed with it", () => {
      assert.throws(
        () => loadSettings({ GATEHOUSE_JWT_SECRET: "secret", GATEHOUSE_DEMO: "true" }),
        RangeError,
      );
    });

    it("treats an empty secret as none configured", () => {
      const settings = loadSettings({ GATEHOUSE_JWT_SECRET: "" });

      assert.equal(settings.jwtSecret, undefined);
    });

    it("refuses the seed's published key outside demo mode", () => {
      assert.throws(() => loadSettings({ GATEHOUSE_JWT_SECRET: publishedKey }), RangeError);
    });

    it("accepts the seed's published key with GATEHOUSE_DEMO=true", () => {
      const settings = loadSettings({ GATEHOUSE_JWT_SECRET: publishedKey, GATEHOUSE_DEMO: "true" });

      assert.equal(settings.demo, true);
      assert.equal(settings.jwtSecret, publishedKey);
    });
  });

  describe("the database URL", () => {
    const sqliteForms: ReadonlyArray<readonly [string, string]> = [
      ["sqlite:./data/other.db", "./data/other.db"],
      ["sqlite:relative.db", "relative.db"],
      ["sqlite:///var/lib/gatehouse.db", "/var/lib/gatehouse.db"],
      ["file:./data/other.db", "./data/other.db"],
      ["file:///var/lib/gatehouse.db", "/var/lib/gatehouse.db"],
      ["./data/plain.db", "./data/plain.db"],
      ["/var/lib/plain.db", "/var/lib/plain.db"],
      [":memory:", ":memory:"],
      ["sqlite::memory:", ":memory:"],
    ];
    for (const [url, path] of sqliteForms) {
      it(`reads ${url} as the SQLite database ${path}`, () => {
        const settings = loadSettings({ GATEHOUSE_DATABASE_URL: url });

        assert.deepEqual(settings.database, { kind: "sqlite", path });
      });
    }

    it("refuses a URL of a database it does not support with a RangeError", () => {
      assert.throws(() => loadSettings({ GATEHOUSE_DATABASE_URL: "mysql://x" }), RangeError);
    });

    it("refuses an empty database URL", () => {
      assert.throws(() => loadSettings({ GATEHOUSE_DATABASE_URL: "" }), RangeError);
    });
  });
});

const operationsSecret = "a configured signing secret of enough length";

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
      GATEHOUSE_JWT_SECRET: operationsSecret,
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
      () =>
        loadSettings({
          GATEHOUSE_JWT_SECRET: operationsSecret,
          GATEHOUSE_LEGACY_TOKENS_UNTIL: "soon",
        }),
      /GATEHOUSE_LEGACY_TOKENS_UNTIL/,
    );
  });

  it("refuses a short metrics token and a retention of zero days", () => {
    assert.throws(() => loadSettings({ GATEHOUSE_METRICS_TOKEN: "short" }), RangeError);
    assert.throws(() => loadSettings({ GATEHOUSE_AUDIT_RETENTION_DAYS: "0" }), RangeError);
  });
});

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
