// The hashing thread: runs argon2 and bcrypt synchronously, off the main event loop.

import { pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { parentPort, workerData } from "node:worker_threads";
import type { Algorithm } from "@node-rs/argon2";
import { hashSync as argon2Hash, verifySync as argon2Verify } from "@node-rs/argon2";
import { verifySync as bcryptVerify } from "@node-rs/bcrypt";
import { maxPbkdf2Iterations } from "./hash-formats.ts";
import type { PasswordCheck } from "./hasher.ts";
import { lowerThreadPriority } from "./thread-priority.ts";

/** The argon2id cost parameters of the current hashing policy. */
export interface Argon2Params {
  /** Memory per lane, in KiB (`m=` in the PHC string). */
  readonly memoryCost: number;
  /** Passes over the memory (`t=`). */
  readonly timeCost: number;
  /** Lanes (`p=`). */
  readonly parallelism: number;
}

/** What the pool tells a worker as it starts it. */
export interface HashWorkerData {
  /** The nice value the worker's thread takes (0 leaves it as it is). */
  readonly niceness: number;
}

/** A unit of work for a hash worker, before the pool gives it an id. */
export type HashRequest =
  | { readonly op: "hash"; readonly password: string; readonly params: Argon2Params }
  | {
      readonly op: "verify";
      readonly password: string;
      readonly hash: string;
      readonly params: Argon2Params;
    };

/** A request as posted to a worker: the pool numbers each one. */
export type HashJob = HashRequest & { readonly id: number };

/** A worker's reply: a PHC string for `hash`, a {@link PasswordCheck} for `verify`, or an error message. */
export type HashAnswer =
  | { readonly id: number; readonly ok: true; readonly result: string | PasswordCheck }
  | { readonly id: number; readonly ok: false; readonly error: string };

// Algorithm is an ambient const enum, which verbatimModuleSyntax cannot inline; 2 is its Argon2id.
const argon2id: Algorithm = 2;
// Version 0x13 (19), the current and default argon2 version.
const argon2Version = 19;
// bcrypt reads only the first 72 bytes of a password and ignores the rest.
const bcryptMaxBytes = 72;

const argon2Prefix = /^\$argon2(?:id|i|d)\$/;
const bcryptPrefix = /^\$2[aby]\$/;
// Django's format: pbkdf2_sha256$<iterations>$<salt>$<base64 of the 32-byte derived key>.
const djangoPbkdf2 = /^pbkdf2_sha256\$([1-9]\d{0,7})\$([^$]{1,128})\$([A-Za-z0-9+/]{43}=)$/;
const argon2idParams = /^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$/;

const noMatch: PasswordCheck = { matches: false, needsRehash: false };

function hashPassword(password: string, params: Argon2Params): string {
  return argon2Hash(password, {
    algorithm: argon2id,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  });
}

/** Runs a library check, turning a malformed hash (which the libraries throw on) into a mismatch. */
function matchesSafely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}

function isCurrentArgon2id(hash: string, params: Argon2Params): boolean {
  const found = argon2idParams.exec(hash);
  return (
    found !== null &&
    Number(found[1]) === argon2Version &&
    Number(found[2]) === params.memoryCost &&
    Number(found[3]) === params.timeCost &&
    Number(found[4]) === params.parallelism
  );
}

function verifyDjangoPbkdf2(hash: string, password: string): boolean | undefined {
  const found = djangoPbkdf2.exec(hash);
  if (found === null) return undefined;
  const [, iterations, salt, encoded] = found;
  // Bounds the work an imported hash can ask for; the pattern guarantees all three groups.
  if (Number(iterations) > maxPbkdf2Iterations || salt === undefined || encoded === undefined) {
    return false;
  }
  const expected = Buffer.from(encoded, "base64");
  const derived = pbkdf2Sync(password, salt, Number(iterations), expected.length, "sha256");
  return timingSafeEqual(derived, expected);
}

// needsRehash is only ever reported with a match: without the right password nobody can rehash.
function verifyPassword(hash: string, password: string, params: Argon2Params): PasswordCheck {
  if (argon2Prefix.test(hash)) {
    const matches = matchesSafely(() => argon2Verify(hash, password));
    return { matches, needsRehash: matches && !isCurrentArgon2id(hash, params) };
  }
  if (bcryptPrefix.test(hash)) {
    // The bcrypt work is done even for a long password, so its answer takes the usual time.
    const prefixMatches = matchesSafely(() => bcryptVerify(password, hash));
    // bcrypt would match a long password on its first 72 bytes alone; we refuse instead.
    const matches = prefixMatches && Buffer.byteLength(password, "utf8") <= bcryptMaxBytes;
    return { matches, needsRehash: matches };
  }
  const pbkdf2 = verifyDjangoPbkdf2(hash, password);
  if (pbkdf2 !== undefined) return { matches: pbkdf2, needsRehash: pbkdf2 };
  return noMatch;
}

function runJob(job: HashJob): HashAnswer {
  try {
    const result =
      job.op === "hash"
        ? hashPassword(job.password, job.params)
        : verifyPassword(job.hash, job.password, job.params);
    return { id: job.id, ok: true, result };
  } catch (error) {
    return { id: job.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

if (parentPort === null) {
  throw new Error("hash-worker runs only as a worker thread, started by the hash pool");
}
const port = parentPort;
// Set by our own pool as a HashWorkerData; a worker started without it keeps its priority.
const { niceness = 0 } = (workerData ?? {}) as Partial<HashWorkerData>;
if (niceness > 0) lowerThreadPriority(niceness);
// Jobs come only from our own pool, which posts HashJob values.
port.on("message", (job: HashJob) => {
  port.postMessage(runJob(job));
});
