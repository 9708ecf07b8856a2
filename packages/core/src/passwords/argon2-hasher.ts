// The production PasswordHasher: argon2id on a dedicated worker pool, bcrypt accepted for import.
import { randomBytes } from "node:crypto";
import { createHashPool, type HashPoolStats } from "./hash-pool.ts";
import type { Argon2Params } from "./hash-worker.ts";
import {
  assertAcceptablePassword,
  isAcceptablePassword,
  type PasswordCheck,
  type PasswordHash,
  type PasswordHasher,
} from "./hasher.ts";

/** OWASP's argon2id recommendation: 19 MiB of memory, 2 passes, 1 lane. */
export const owaspArgon2Params: Argon2Params = Object.freeze({
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
});

/** Cost parameters and pool size for {@link createArgon2Hasher}; each defaults as documented. */
export interface Argon2HasherOptions {
  /** Memory per lane in KiB; at least 8 × `parallelism`. Default 19456. */
  readonly memoryCost?: number;
  /** Passes; at least 1. Default 2. */
  readonly timeCost?: number;
  /** Lanes, 1 to 255. Default 1. */
  readonly parallelism?: number;
  /** Worker threads; default one fewer than the machine's parallelism, at least 1. */
  readonly workers?: number;
  /** Jobs that may wait for a worker before `hasher_busy`; default 64 per worker. */
  readonly maxQueue?: number;
  /** The nice value of the hashing threads (0 … 19); default 0, unchanged. */
  readonly niceness?: number;
  /** Told how long each job waited for a worker, in milliseconds (for metrics). */
  readonly onWait?: (milliseconds: number) => void;
}

/** A {@link PasswordHasher} that also reports the load on its worker pool. */
export interface Argon2Hasher extends PasswordHasher {
  stats(): HashPoolStats;
}

// argon2 caps every cost at 2^32 − 1 and parallelism at 255 lanes.
const maxCost = 2 ** 32 - 1;
const maxLanes = 255;

// Verified against the dummy hash in place of a password we refuse to process; it never matches.
const standInPassword = "gatehouse refused password";
const noMatch: PasswordCheck = { matches: false, needsRehash: false };

function requireInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

function argon2ParamsFrom(options: Argon2HasherOptions): Argon2Params {
  const parallelism = requireInteger(
    "parallelism",
    options.parallelism ?? owaspArgon2Params.parallelism,
    1,
    maxLanes,
  );
  return Object.freeze({
    // argon2 needs at least 8 KiB for each lane.
    memoryCost: requireInteger(
      "memoryCost",
      options.memoryCost ?? owaspArgon2Params.memoryCost,
      8 * parallelism,
      maxCost,
    ),
    timeCost: requireInteger(
      "timeCost",
      options.timeCost ?? owaspArgon2Params.timeCost,
      1,
      maxCost,
    ),
    parallelism,
  });
}

/**
 * Creates the argon2id password hasher. Hashing runs on a small pool of dedicated worker threads,
 * never on the event loop or libuv's pool; when every worker is busy and the queue is full, calls
 * fail at once with `hasher_busy` instead of piling up.
 *
 * `hash` makes PHC strings (`$argon2id$v=19$m=…,t=…,p=…$…`). `verify` accepts argon2 PHC strings
 * and bcrypt `$2a$`/`$2b$`/`$2y$` hashes; a password over 72 bytes never matches a bcrypt hash,
 * and an unknown or malformed hash never matches. `needsRehash` is true, alongside a match, for
 * any hash that is not argon2id with exactly these parameters. A password that
 * {@link isAcceptablePassword} refuses never matches, yet costs the same verification work.
 *
 * @throws {RangeError} at creation, for a cost, lane count or pool size out of range
 * @example
 * ```ts
 * const hasher = createArgon2Hasher();
 * const hash = await hasher.hash("correct horse battery staple");
 * const { matches, needsRehash } = await hasher.verify(hash, "correct horse battery staple");
 * await hasher.close();
 * ```
 */
export function createArgon2Hasher(options: Argon2HasherOptions = {}): Argon2Hasher {
  const params = argon2ParamsFrom(options);
  const pool = createHashPool({
    size: options.workers,
    maxQueue: options.maxQueue,
    niceness: options.niceness,
    onWait: options.onWait,
  });
  let dummy: Promise<PasswordHash> | undefined;

  /**
   * @throws {AuthError} invalid_request for a password {@link isAcceptablePassword} refuses —
   * such a password could never be verified
   * @throws {AuthError} hasher_busy when the queue is full
   */
  async function hash(password: string): Promise<PasswordHash> {
    assertAcceptablePassword(password);
    const phc = await pool.run({ op: "hash", password, params });
    // The one place a new PasswordHash is made: the worker has just produced this PHC string.
    return phc as PasswordHash;
  }

  function dummyHash(): Promise<PasswordHash> {
    dummy ??= hash(randomBytes(32).toString("base64url")).catch((error: unknown) => {
      // A busy pool must not leave the dummy hash failed for good.
      dummy = undefined;
      throw error;
    });
    return dummy;
  }

  async function verify(storedHash: string, password: string): Promise<PasswordCheck> {
    if (!isAcceptablePassword(password)) {
      // Pays for one verification anyway, so a refused password takes as long as a wrong one.
      await pool.run({ op: "verify", hash: await dummyHash(), password: standInPassword, params });
      return noMatch;
    }
    return pool.run({ op: "verify", hash: storedHash, password, params });
  }

  return { hash, verify, dummyHash, close: pool.close, stats: pool.stats };
}
