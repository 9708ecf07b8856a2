// Why the database could not be opened or written at start-up, told in terms of
// GATEHOUSE_DATABASE_URL and without its password.
import { NotADatabaseFileError } from "../storage/sqlite/database-file.ts";
import type { Settings } from "./config.ts";
import { errorCode, StartupError } from "./startup-error.ts";

type DatabaseLocation = Settings["database"];

const setting = "GATEHOUSE_DATABASE_URL";

// node:sqlite reports SQLite's result code as `errcode`; the low byte is the primary code
// (https://sqlite.org/rescode.html).
const sqliteReasons: Readonly<Record<number, string>> = {
  3: "access to the file is denied",
  8: "the database is read-only",
  10: "reading or writing the file failed",
  13: "the disk is full",
  14: "the file cannot be opened or created there",
  23: "access to the file is denied",
  26: "the file is not a SQLite database",
};

// Node's file system codes, from creating the database's folder or opening the file.
const fileReasons: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOTDIR: "a part of the path is a file, not a folder",
  EEXIST: "a part of the path is a file, not a folder",
  ENOSPC: "the disk is full",
  ENOENT: "the folder does not exist",
};

// pg's connection errors (Node's codes) and PostgreSQL's SQLSTATEs met while connecting.
const connectReasons: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused (is the server running, on that host and port?)",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name could not be resolved",
  ETIMEDOUT: "the connection timed out",
  EHOSTUNREACH: "the host is unreachable",
  ECONNRESET: "the server closed the connection",
  "3D000": "the database does not exist (create it, or name another)",
  "28P01": "password authentication failed",
  "28000": "the server refused this user (unknown role, or no pg_hba.conf entry)",
  "57P03": "the server is starting up or shutting down",
  "53300": "the server has too many connections",
};

// SQLSTATEs of a connected server that will not take the service's writes.
const writeReasons: Readonly<Record<string, string>> = {
  "42501": "the user lacks a privilege the service needs",
  "25006": "the server is read-only (a standby?)",
};

function own<T>(table: Readonly<Record<string | number, T>>, key: string | number): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function sqliteCode(error: unknown): number | undefined {
  for (let at = error, depth = 0; at instanceof Error && depth < 8; depth++) {
    if ("errcode" in at && typeof at.errcode === "number") return at.errcode;
    at = at.cause;
  }
  return undefined;
}

function sqliteReason(error: unknown): string | undefined {
  for (let at = error, depth = 0; at instanceof Error && depth < 8; depth++) {
    if (at instanceof NotADatabaseFileError) return `it is ${at.what}, not a database file`;
    at = at.cause;
  }
  const code = sqliteCode(error);
  if (code !== undefined) return own(sqliteReasons, code & 0xff);
  const fileCode = errorCode(error);
  return fileCode === undefined ? undefined : own(fileReasons, fileCode);
}

/** Why PostgreSQL failed and whether it was while connecting, when the cause is known. */
function postgresReason(
  error: unknown,
): { readonly reason: string; readonly connecting: boolean } | undefined {
  const code = errorCode(error);
  if (code !== undefined) {
    const connect = own(connectReasons, code);
    if (connect !== undefined) return { reason: connect, connecting: true };
    const write = own(writeReasons, code);
    if (write !== undefined) return { reason: write, connecting: false };
  }
  // pg's own connection timeout carries no code, only its message.
  const text = error instanceof Error ? `${error.message} ${String(error.cause)}` : "";
  return /timeout expired|connection timeout/i.test(text)
    ? { reason: "the connection timed out (is the server reachable?)", connecting: true }
    : undefined;
}

/** The server and database of a PostgreSQL URL, without user or password. */
function serverOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname || "localhost"}:${parsed.port || "5432"}${parsed.pathname}`;
}

/**
 * A {@link StartupError} naming the database (the SQLite path, or the PostgreSQL server and
 * database without user or password) and GATEHOUSE_DATABASE_URL, for a failure to open, migrate
 * or write it whose cause is known: the server refusing or missing, the database or role
 * unknown, the SQLite folder missing or not writable, the file read-only. `undefined` for
 * anything else.
 */
export function explainDatabaseFailure(
  error: unknown,
  location: DatabaseLocation,
): StartupError | undefined {
  if (location.kind === "sqlite") {
    const reason = sqliteReason(error);
    return reason === undefined
      ? undefined
      : new StartupError(
          `cannot use the SQLite database ${location.path}: ${reason}; set ${setting} to a path this process can write`,
          { cause: error },
        );
  }
  const known = postgresReason(error);
  if (known === undefined) return undefined;
  const verb = known.connecting ? "cannot connect to" : "cannot write to";
  return new StartupError(
    `${verb} PostgreSQL at ${serverOf(location.url)}: ${known.reason}; check ${setting}`,
    { cause: error },
  );
}
