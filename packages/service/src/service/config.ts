// Settings: the environment, validated once into a frozen object. The only reader of process.env.
import { availableParallelism } from "node:os";
import type { ThrottlePolicy } from "gatehouse-auth-core/grants/throttle";
import { type SigningAlgorithm, signingAlgorithms } from "gatehouse-auth-core/keys/signing-keys";
import { defaultMinPasswordLength } from "gatehouse-auth-core/passwords/password-policy";
import { isAddressOrRange } from "gatehouse-auth-core/protocol/client-address";
import { z } from "zod";

const flag = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off", ""])
  .transform((value) => ["true", "1", "yes", "on"].includes(value));

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Secrets published in documentation; a service signing with one is forgeable by anyone. */
const publishedSecrets = new Set([
  // FastAPI's "OAuth2 with Password (and hashing), Bearer with JWT tokens" example key.
  "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",
  "your-256-bit-secret",
  "secret",
  "changeme",
  "change-me",
]);

/** Every environment variable Gatehouse reads, with its type, range and default. */
export const environmentSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: int(0, 65535).default(8000),
  GATEHOUSE_DATABASE_URL: z.string().min(1).default("sqlite:./data/gatehouse.db"),
  GATEHOUSE_DATABASE_POOL_SIZE: int(1, 1000).default(10),
  GATEHOUSE_DATABASE_CACHED_USERS: int(0, 10_000_000).default(100_000),
  GATEHOUSE_DEMO: flag.default(false),
  GATEHOUSE_JWT_SECRET: z.string().optional(),
  GATEHOUSE_SIGNING_ALGORITHM: z
    .enum([...signingAlgorithms, ""])
    .optional()
    .transform((value) => (value === "" ? undefined : value)),
  GATEHOUSE_ACCESS_TOKEN_LIFETIME: int(1, 86_400).default(1800),
  GATEHOUSE_MAX_TOKEN_LIFETIME_SECONDS: int(1, 86_400).optional(),
  GATEHOUSE_CLOCK_SKEW_SECONDS: int(0, 600).default(60),
  GATEHOUSE_ISSUER: z.string().min(1).optional(),
  GATEHOUSE_AUDIENCE: z.string().min(1).optional(),
  GATEHOUSE_STRICT_GRANT_TYPE: flag.default(false),
  GATEHOUSE_PASSWORD_GRANT_REQUIRES_CLIENT: flag.default(false),
  GATEHOUSE_REFRESH_ABSOLUTE_LIFETIME: int(60, 366 * 86_400).default(30 * 86_400),
  GATEHOUSE_REFRESH_IDLE_LIFETIME: int(60, 366 * 86_400).default(7 * 86_400),
  GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS: int(0, 300).default(10),
  GATEHOUSE_HASH_WORKERS: int(1, 64).optional(),
  GATEHOUSE_HASH_QUEUE: int(1, 100_000).default(256),
  // 15: measured on one core under a login storm, 5 and 10 let reads wait behind hashing (p99 over
  // 5× unloaded); 15 kept them within 2× while logins kept about four fifths of their rate.
  GATEHOUSE_HASH_NICENESS: int(0, 19).default(15),
  // NIST SP 800-63B-4: at least 15 characters for a password that is the only factor (8 with
  // another factor, the lowest allowed here); no minimum above 64, the most NIST asks to allow.
  GATEHOUSE_PASSWORD_MIN_LENGTH: int(8, 64).default(defaultMinPasswordLength),
  GATEHOUSE_AUDIT_RETENTION_DAYS: int(1, 36_500).default(90),
  GATEHOUSE_CLIENT_SECRET_OVERLAP_SECONDS: int(0, 30 * 86_400).default(86_400),
  // RFC 8628 §3.2: expires_in and interval of device authorizations.
  GATEHOUSE_DEVICE_CODE_LIFETIME_SECONDS: int(60, 3600).default(600),
  GATEHOUSE_DEVICE_POLL_INTERVAL_SECONDS: int(1, 60).default(5),
  GATEHOUSE_LOGIN_SESSION_SECONDS: int(60, 30 * 86_400).default(8 * 3600),
  GATEHOUSE_DOCS_CLIENT: flag.default(false),
  GATEHOUSE_CORS_ORIGINS: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ""),
    )
    .refine(
      (entries) => entries.every(isOrigin),
      "must list origins such as https://app.example.com (scheme, host and port only)",
    ),
  GATEHOUSE_METRICS_TOKEN: z.string().optional(),
  GATEHOUSE_LEGACY_TOKENS_UNTIL: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === "") return undefined;
      const at = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))?$/.test(text)
        ? Date.parse(text)
        : Number.NaN;
      if (Number.isNaN(at)) {
        ctx.addIssue({ code: "custom", message: "must be an ISO 8601 date or date-time" });
        return z.NEVER;
      }
      return at;
    }),
  GATEHOUSE_FASTAPI_COMPAT_CLAIMS: flag.default(false),
  GATEHOUSE_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  GATEHOUSE_WORKERS: int(1, 64).default(1),
  GATEHOUSE_THROTTLE_FREE_FAILURES: int(1, 1000).default(5),
  GATEHOUSE_THROTTLE_ADDRESS_FREE_FAILURES: int(1, 100_000).default(20),
  GATEHOUSE_THROTTLE_BASE_DELAY_SECONDS: int(1, 86_400).default(1),
  GATEHOUSE_THROTTLE_MAX_DELAY_SECONDS: int(1, 86_400).default(900),
  GATEHOUSE_THROTTLE_WINDOW_SECONDS: int(1, 604_800).default(3600),
  GATEHOUSE_THROTTLE_REFUSAL_DELAY_MS: int(0, 5000).default(250),
  GATEHOUSE_DEVICE_PROOF_SECRET: z.string().optional(),
  GATEHOUSE_TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((value) =>
      value
        .split(",")
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ""),
    )
    .refine((entries) => entries.every(isAddressOrRange), "must list IP addresses or CIDR ranges"),
  GATEHOUSE_REQUEST_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  GATEHOUSE_HEADERS_TIMEOUT_MS: int(100, 3_600_000).default(10_000),
  GATEHOUSE_MAX_HEADER_BYTES: int(1024, 1_048_576).default(16_384),
  GATEHOUSE_SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
});

/** Every variable the settings are read from (HOST, PORT and the GATEHOUSE_* names). */
export const knownSettingNames: readonly string[] = Object.freeze(
  Object.keys(environmentSchema.shape),
);

/** Where the data lives: an SQLite file (or `:memory:`), or a PostgreSQL database. */
type DatabaseLocation =
  | { readonly kind: "sqlite"; readonly path: string }
  | { readonly kind: "postgres"; readonly url: string };

/** The validated, frozen configuration of one Gatehouse process. */
export interface Settings {
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseLocation;
  /** The most connections one process opens to PostgreSQL; unused with SQLite. */
  readonly databasePoolSize: number;
  /**
   * PostgreSQL: the most users one process's route guards keep in memory, fed by the change
   * feed; 0 turns the caches off (every request reads the database). Unused with SQLite.
   */
  readonly databaseCachedUsers: number;
  readonly demo: boolean;
  /** The HS256 secret from the environment, when one is set; otherwise a generated key is stored. */
  readonly jwtSecret: string | undefined;
  /**
   * The algorithm of generated signing keys (the first one, and each `keys rotate`); HS256 when
   * `jwtSecret` is set. EdDSA by default.
   */
  readonly signingAlgorithm: SigningAlgorithm;
  readonly accessTokenLifetimeSeconds: number;
  /** The longest access token lifetime accepted on verification; never below the issued one. */
  readonly maxTokenLifetimeSeconds: number;
  /** How far ahead of this clock an access token's `iat` may be before it is refused. */
  readonly clockSkewSeconds: number;
  /** `iss` of every token and the metadata's issuer: configured, else `http://HOST:PORT`. */
  readonly issuer: string;
  /**
   * `aud` of tokens whose client has no audiences of its own: configured, else the issuer —
   * except with FastAPI-compatible claims, where PyJWT would refuse an `aud` it does not expect.
   */
  readonly audience: string | undefined;
  /** Require `grant_type=password` at `/token` instead of accepting its absence. */
  readonly strictGrantType: boolean;
  /** Refuse the password grant unless a registered first-party client presents itself. */
  readonly passwordGrantRequiresClient: boolean;
  /** Refresh token lifetimes and the reuse grace window, in seconds. */
  readonly refreshTokens: {
    readonly absoluteLifetimeSeconds: number;
    readonly idleLifetimeSeconds: number;
    readonly reuseGraceSeconds: number;
  };
  readonly hashWorkers: number;
  readonly hashQueue: number;
  /** The nice value of the hashing threads: above 0, serving requests comes before hashing. */
  readonly hashNiceness: number;
  /** The fewest characters a new or changed password may have (the password policy). */
  readonly passwordMinLength: number;
  readonly logLevel: "debug" | "info" | "warn" | "error" | "silent";
  /** Audit events older than this many days are purged at startup and hourly. */
  readonly auditRetentionDays: number;
  /** How long a client secret replaced by `rotate-secret` stays valid beside the new one. */
  readonly clientSecretOverlapSeconds: number;
  /** How long device codes live and how often devices may poll (RFC 8628), in seconds. */
  readonly deviceCodes: { readonly lifetimeSeconds: number; readonly intervalSeconds: number };
  /** How long a login on the login page lasts, in seconds. */
  readonly loginSessionSeconds: number;
  /** Register the `gatehouse-docs` client at start, for Swagger UI's code flow. */
  readonly docsClient: boolean;
  /** Browser origins allowed to call the token endpoint and the user routes (CORS). */
  readonly corsOrigins: readonly string[];
  /** The bearer token `/metrics` requires; `undefined` leaves it open. */
  readonly metricsToken: string | undefined;
  /** Until when (ms since the epoch) tokens issued by the replaced FastAPI app are accepted. */
  readonly legacyTokensUntil: number | undefined;
  /** Also write a `scopes` array claim, which FastAPI's scopes tutorial reads. */
  readonly fastapiCompatClaims: boolean;
  /** Processes sharing the port (`node:cluster`); 1 runs in this process alone. */
  readonly workers: number;
  /** Brute-force rules for `/token`, per account and per client address. */
  readonly throttle: ThrottlePolicy;
  /** How long `/token` holds back its answer to a login refused by a lock (0: not at all). */
  readonly throttleRefusalDelayMs: number;
  /** The HMAC key of device proofs; `undefined` turns them off. */
  readonly deviceProofSecret: string | undefined;
  /** Peers (IP addresses or CIDR ranges) whose `X-Forwarded-For` is believed. */
  readonly trustedProxies: readonly string[];
  /** Longest a client may take to send a whole request (Node's `requestTimeout`); then 408. */
  readonly requestTimeoutMs: number;
  /** Longest a client may take to send the headers (Node's `headersTimeout`); then 408. */
  readonly headersTimeoutMs: number;
  /** Largest request head (request line and headers); beyond it 431. */
  readonly maxHeaderBytes: number;
  /** Longest in-flight requests may run once shutdown began; then connections are cut. */
  readonly shutdownTimeoutMs: number;
}

/**
 * Reads settings from an environment (normally `process.env`).
 * @throws {RangeError} listing every variable that is invalid — a startup error, never a 4xx
 */
export function loadSettings(env: Readonly<Record<string, string | undefined>>): Settings {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".")}: ${issue.message}`,
    );
    throw new RangeError(`invalid configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const secret = e.GATEHOUSE_JWT_SECRET === "" ? undefined : e.GATEHOUSE_JWT_SECRET;
  if (secret !== undefined) {
    // The token service refuses a shorter HS256 key in demo mode too; say so here, naming the variable.
    if (Buffer.byteLength(secret, "utf8") < 32) {
      throw new RangeError("invalid configuration: GATEHOUSE_JWT_SECRET needs at least 32 bytes");
    }
    if (!e.GATEHOUSE_DEMO && publishedSecrets.has(secret)) {
      throw new RangeError(
        "invalid configuration: GATEHOUSE_JWT_SECRET is a published example key; generate one with `openssl rand -hex 32`",
      );
    }
  }
  const deviceProofSecret =
    e.GATEHOUSE_DEVICE_PROOF_SECRET === "" ? undefined : e.GATEHOUSE_DEVICE_PROOF_SECRET;
  if (deviceProofSecret !== undefined && Buffer.byteLength(deviceProofSecret, "utf8") < 32) {
    throw new RangeError(
      "invalid configuration: GATEHOUSE_DEVICE_PROOF_SECRET needs at least 32 bytes",
    );
  }
  const metricsToken = e.GATEHOUSE_METRICS_TOKEN === "" ? undefined : e.GATEHOUSE_METRICS_TOKEN;
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new RangeError(
      "invalid configuration: GATEHOUSE_METRICS_TOKEN needs at least 16 characters",
    );
  }
  if (e.GATEHOUSE_LEGACY_TOKENS_UNTIL !== undefined && secret === undefined) {
    throw new RangeError(
      "invalid configuration: GATEHOUSE_LEGACY_TOKENS_UNTIL needs GATEHOUSE_JWT_SECRET, the FastAPI app's SECRET_KEY",
    );
  }
  if (e.GATEHOUSE_HEADERS_TIMEOUT_MS > e.GATEHOUSE_REQUEST_TIMEOUT_MS) {
    throw new RangeError(
      "invalid configuration: GATEHOUSE_HEADERS_TIMEOUT_MS must not exceed GATEHOUSE_REQUEST_TIMEOUT_MS",
    );
  }
  if (e.GATEHOUSE_THROTTLE_BASE_DELAY_SECONDS > e.GATEHOUSE_THROTTLE_MAX_DELAY_SECONDS) {
    throw new RangeError(
      "invalid configuration: GATEHOUSE_THROTTLE_BASE_DELAY_SECONDS must not exceed GATEHOUSE_THROTTLE_MAX_DELAY_SECONDS",
    );
  }
  const maxTokenLifetime =
    e.GATEHOUSE_MAX_TOKEN_LIFETIME_SECONDS ?? e.GATEHOUSE_ACCESS_TOKEN_LIFETIME;
  if (maxTokenLifetime < e.GATEHOUSE_ACCESS_TOKEN_LIFETIME) {
    throw new RangeError(
      "invalid configuration: GATEHOUSE_MAX_TOKEN_LIFETIME_SECONDS must not be below GATEHOUSE_ACCESS_TOKEN_LIFETIME",
    );
  }
  const rule = (freeFailures: number) =>
    Object.freeze({
      freeFailures,
      baseDelayMs: e.GATEHOUSE_THROTTLE_BASE_DELAY_SECONDS * 1000,
      maxDelayMs: e.GATEHOUSE_THROTTLE_MAX_DELAY_SECONDS * 1000,
      windowMs: e.GATEHOUSE_THROTTLE_WINDOW_SECONDS * 1000,
    });
  if (secret !== undefined && (e.GATEHOUSE_SIGNING_ALGORITHM ?? "HS256") !== "HS256") {
    throw new RangeError(
      "invalid configuration: GATEHOUSE_JWT_SECRET is an HS256 secret; unset it to sign with GATEHOUSE_SIGNING_ALGORITHM",
    );
  }
  const issuer = e.GATEHOUSE_ISSUER ?? baseUrl(e.HOST, e.PORT);
  return Object.freeze({
    host: e.HOST,
    port: e.PORT,
    database: parseDatabaseUrl(e.GATEHOUSE_DATABASE_URL),
    databasePoolSize: e.GATEHOUSE_DATABASE_POOL_SIZE,
    databaseCachedUsers: e.GATEHOUSE_DATABASE_CACHED_USERS,
    demo: e.GATEHOUSE_DEMO,
    jwtSecret: secret,
    signingAlgorithm: secret === undefined ? (e.GATEHOUSE_SIGNING_ALGORITHM ?? "EdDSA") : "HS256",
    accessTokenLifetimeSeconds: e.GATEHOUSE_ACCESS_TOKEN_LIFETIME,
    maxTokenLifetimeSeconds: maxTokenLifetime,
    clockSkewSeconds: e.GATEHOUSE_CLOCK_SKEW_SECONDS,
    issuer,
    audience: e.GATEHOUSE_AUDIENCE ?? (e.GATEHOUSE_FASTAPI_COMPAT_CLAIMS ? undefined : issuer),
    strictGrantType: e.GATEHOUSE_STRICT_GRANT_TYPE,
    passwordGrantRequiresClient: e.GATEHOUSE_PASSWORD_GRANT_REQUIRES_CLIENT,
    refreshTokens: Object.freeze({
      absoluteLifetimeSeconds: e.GATEHOUSE_REFRESH_ABSOLUTE_LIFETIME,
      idleLifetimeSeconds: e.GATEHOUSE_REFRESH_IDLE_LIFETIME,
      reuseGraceSeconds: e.GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS,
    }),
    auditRetentionDays: e.GATEHOUSE_AUDIT_RETENTION_DAYS,
    clientSecretOverlapSeconds: e.GATEHOUSE_CLIENT_SECRET_OVERLAP_SECONDS,
    deviceCodes: Object.freeze({
      lifetimeSeconds: e.GATEHOUSE_DEVICE_CODE_LIFETIME_SECONDS,
      intervalSeconds: e.GATEHOUSE_DEVICE_POLL_INTERVAL_SECONDS,
    }),
    loginSessionSeconds: e.GATEHOUSE_LOGIN_SESSION_SECONDS,
    docsClient: e.GATEHOUSE_DOCS_CLIENT,
    corsOrigins: Object.freeze(e.GATEHOUSE_CORS_ORIGINS),
    metricsToken,
    legacyTokensUntil: e.GATEHOUSE_LEGACY_TOKENS_UNTIL,
    fastapiCompatClaims: e.GATEHOUSE_FASTAPI_COMPAT_CLAIMS,
    hashWorkers: e.GATEHOUSE_HASH_WORKERS ?? defaultHashWorkers(e.GATEHOUSE_WORKERS),
    hashQueue: e.GATEHOUSE_HASH_QUEUE,
    hashNiceness: e.GATEHOUSE_HASH_NICENESS,
    passwordMinLength: e.GATEHOUSE_PASSWORD_MIN_LENGTH,
    logLevel: e.GATEHOUSE_LOG_LEVEL,
    workers: e.GATEHOUSE_WORKERS,
    throttle: Object.freeze({
      account: rule(e.GATEHOUSE_THROTTLE_FREE_FAILURES),
      address: rule(e.GATEHOUSE_THROTTLE_ADDRESS_FREE_FAILURES),
    }),
    throttleRefusalDelayMs: e.GATEHOUSE_THROTTLE_REFUSAL_DELAY_MS,
    deviceProofSecret,
    trustedProxies: Object.freeze(e.GATEHOUSE_TRUSTED_PROXIES),
    requestTimeoutMs: e.GATEHOUSE_REQUEST_TIMEOUT_MS,
    headersTimeoutMs: e.GATEHOUSE_HEADERS_TIMEOUT_MS,
    maxHeaderBytes: e.GATEHOUSE_MAX_HEADER_BYTES,
    shutdownTimeoutMs: e.GATEHOUSE_SHUTDOWN_TIMEOUT_MS,
  });
}

/** The service's own base URL from where it listens (an IPv6 address in brackets). */
/** Tells whether `text` is exactly an origin: `http(s)://host[:port]`, nothing after it. */
function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && url.origin === text;
  } catch {
    return false;
  }
}

function baseUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/**
 * Hashing threads per process when not configured: the cores left after one for the event
 * loop, shared among the worker processes, at least one each.
 */
function defaultHashWorkers(workers: number): number {
  return Math.max(1, Math.floor((availableParallelism() - 1) / workers));
}

function parseDatabaseUrl(url: string): DatabaseLocation {
  if (/^postgres(?:ql)?:\/\//.test(url)) return { kind: "postgres", url: checkedPostgresUrl(url) };
  if (url === ":memory:" || url === "sqlite::memory:") return { kind: "sqlite", path: ":memory:" };
  const match = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(url);
  if (match?.[1] !== undefined) return { kind: "sqlite", path: match[1] };
  if (!url.includes("://")) return { kind: "sqlite", path: url };
  throw new RangeError(
    "invalid configuration: GATEHOUSE_DATABASE_URL must be postgres://…, sqlite:PATH, a file path or :memory:",
  );
}

// The message names what is wrong but never repeats the URL, which may hold a password.
function checkedPostgresUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new RangeError("invalid configuration: GATEHOUSE_DATABASE_URL is not a valid URL", {
      cause: error,
    });
  }
  if (parsed.pathname.length <= 1) {
    throw new RangeError("invalid configuration: GATEHOUSE_DATABASE_URL names no database");
  }
  return url;
}

/**
 * Names a database for logs and messages: the SQLite path, or the PostgreSQL URL with its
 * password replaced by `***` — a connection string's password never reaches a log.
 */
export function describeDatabase(location: DatabaseLocation): string {
  if (location.kind === "sqlite") return location.path;
  const url = new URL(location.url);
  if (url.password !== "") url.password = "***";
  // A password may also come as a query parameter.
  if (url.searchParams.has("password")) url.searchParams.set("password", "***");
  return url.href;
}
