// Settings: the environment, validated once into a frozen object. The only reader of process.env.
import { availableParallelism } from "node:os";
import { z } from "zod";
import { type SigningAlgorithm, signingAlgorithms } from "./core/signing-keys.ts";

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

const environmentSchema = z.object({
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: int(0, 65535).default(8000),
  GATEHOUSE_DATABASE_URL: z.string().min(1).default("sqlite:./data/gatehouse.db"),
  GATEHOUSE_DEMO: flag.default(false),
  GATEHOUSE_JWT_SECRET: z.string().optional(),
  GATEHOUSE_SIGNING_ALGORITHM: z
    .enum([...signingAlgorithms, ""])
    .optional()
    .transform((value) => (value === "" ? undefined : value)),
  GATEHOUSE_ACCESS_TOKEN_LIFETIME: int(1, 86_400).default(1800),
  GATEHOUSE_ISSUER: z.string().min(1).optional(),
  GATEHOUSE_AUDIENCE: z.string().min(1).optional(),
  GATEHOUSE_STRICT_GRANT_TYPE: flag.default(false),
  GATEHOUSE_HASH_WORKERS: int(1, 64).default(Math.max(1, availableParallelism() - 1)),
  GATEHOUSE_HASH_QUEUE: int(1, 100_000).default(256),
  GATEHOUSE_LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

/** Where the data lives: an SQLite file (or `:memory:`). */
type DatabaseLocation = { readonly kind: "sqlite"; readonly path: string };

/** The validated, frozen configuration of one Gatehouse process. */
export interface Settings {
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseLocation;
  readonly demo: boolean;
  /** The HS256 secret from the environment, when one is set; otherwise a generated key is stored. */
  readonly jwtSecret: string | undefined;
  /**
   * The algorithm of generated signing keys (the first one, and each `keys rotate`); HS256 when
   * `jwtSecret` is set. EdDSA by default.
   */
  readonly signingAlgorithm: SigningAlgorithm;
  readonly accessTokenLifetimeSeconds: number;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  /** Require `grant_type=password` at `/token` instead of accepting its absence. */
  readonly strictGrantType: boolean;
  readonly hashWorkers: number;
  readonly hashQueue: number;
  readonly logLevel: "debug" | "info" | "warn" | "error" | "silent";
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
  if (secret !== undefined && !e.GATEHOUSE_DEMO) {
    if (Buffer.byteLength(secret, "utf8") < 32) {
      throw new RangeError("invalid configuration: GATEHOUSE_JWT_SECRET needs at least 32 bytes");
    }
    if (publishedSecrets.has(secret)) {
      throw new RangeError(
        "invalid configuration: GATEHOUSE_JWT_SECRET is a published example key; generate one with `openssl rand -hex 32`",
      );
    }
  }
  if (secret !== undefined && (e.GATEHOUSE_SIGNING_ALGORITHM ?? "HS256") !== "HS256") {
    throw new RangeError(
      "invalid configuration: GATEHOUSE_JWT_SECRET is an HS256 secret; unset it to sign with GATEHOUSE_SIGNING_ALGORITHM",
    );
  }
  return Object.freeze({
    host: e.HOST,
    port: e.PORT,
    database: parseDatabaseUrl(e.GATEHOUSE_DATABASE_URL),
    demo: e.GATEHOUSE_DEMO,
    jwtSecret: secret,
    signingAlgorithm: secret === undefined ? (e.GATEHOUSE_SIGNING_ALGORITHM ?? "EdDSA") : "HS256",
    accessTokenLifetimeSeconds: e.GATEHOUSE_ACCESS_TOKEN_LIFETIME,
    issuer: e.GATEHOUSE_ISSUER,
    audience: e.GATEHOUSE_AUDIENCE,
    strictGrantType: e.GATEHOUSE_STRICT_GRANT_TYPE,
    hashWorkers: e.GATEHOUSE_HASH_WORKERS,
    hashQueue: e.GATEHOUSE_HASH_QUEUE,
    logLevel: e.GATEHOUSE_LOG_LEVEL,
  });
}

function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url === ":memory:" || url === "sqlite::memory:") return { kind: "sqlite", path: ":memory:" };
  const match = /^(?:sqlite|file):(?:\/\/)?(.+)$/.exec(url);
  if (match?.[1] !== undefined) return { kind: "sqlite", path: match[1] };
  if (!url.includes("://")) return { kind: "sqlite", path: url };
  throw new RangeError(
    "invalid configuration: GATEHOUSE_DATABASE_URL must be sqlite:PATH, a file path or :memory:",
  );
}
