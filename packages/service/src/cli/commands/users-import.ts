// `gatehouse users import FILE`: bring users and their password hashes over from a FastAPI app.
import { readFile } from "node:fs/promises";
import { isAuthError } from "gatehouse-auth-core/errors";
import {
  importedPasswordHash,
  passwordHashFormat,
} from "gatehouse-auth-core/passwords/hash-formats";
import { isAcceptablePassword, type PasswordHash } from "gatehouse-auth-core/passwords/hasher";
import { isValidUsername } from "gatehouse-auth-core/users/user";
import {
  type AuditContext,
  importAccount,
  maxEmailLength,
  maxFullNameLength,
} from "gatehouse-auth-core/users/user-admin";
import { z } from "zod";
import type { Services } from "../../service/compose.ts";
import { parseCommandArgs, UsageError } from "../arguments.ts";
import type { CommandDeps } from "../command.ts";
import { parseCsv } from "../csv.ts";
import type { CliIo } from "../io.ts";

// CSV cells are strings; JSON may carry real booleans, nulls and arrays. Both read alike.
const optionalText = z
  .union([z.string(), z.null()])
  .optional()
  .transform((value) => (value === undefined || value === null || value === "" ? null : value))
  // PostgreSQL's text cannot hold a NUL; the HTTP edge refuses one too (issue 16).
  .refine((value) => value === null || !value.includes("\u0000"), {
    message: "must not contain a NUL character",
  });

// A CSV file with both columns leaves one of them empty in each row.
const optionalSecret = z
  .string()
  .optional()
  .transform((value) => (value === "" ? undefined : value));

const importRow = z
  .object({
    username: z.string().refine(isValidUsername, {
      message: "must be 1 to 64 characters of A-Z a-z 0-9 . _ @ -, starting with a letter or digit",
    }),
    email: optionalText.pipe(
      z
        .email({ message: "not a valid email address" })
        .max(maxEmailLength, { message: `is longer than ${maxEmailLength} characters` })
        .nullable(),
    ),
    full_name: optionalText.refine((value) => [...(value ?? "")].length <= maxFullNameLength, {
      message: `is longer than ${maxFullNameLength} characters`,
    }),
    disabled: z
      .union([z.boolean(), z.enum(["true", "false", "True", "False", "1", "0", ""])])
      .optional()
      .transform(
        (value) => value === true || value === "true" || value === "True" || value === "1",
      ),
    // The hash is checked by format below, and never echoed in a report.
    hashed_password: optionalSecret,
    // A plain password is held to the password policy, then hashed; never echoed either.
    password: optionalSecret,
    scopes: z
      .union([z.array(z.string()), z.string()])
      .optional()
      .transform((value) =>
        (typeof value === "string" ? value.split(/\s+/) : (value ?? [])).filter((s) => s !== ""),
      ),
  })
  .refine((row) => (row.hashed_password === undefined) !== (row.password === undefined), {
    message: "needs either hashed_password or password",
  });

/** What happened to one row. */
type RowOutcome =
  | {
      readonly kind: "imported";
      readonly username: string;
      /** The format of an imported hash; `undefined` for a plain password hashed here. */
      readonly format: string | undefined;
    }
  | { readonly kind: "skipped"; readonly username: string; readonly why: string }
  | { readonly kind: "invalid"; readonly username: string; readonly why: string };

function rowsOf(text: string, format: "json" | "csv"): unknown[] {
  if (format === "csv") return parseCsv(text);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError("the file is not valid JSON");
  }
  // An array of users, or FastAPI's fake_users_db: an object keyed by username.
  if (Array.isArray(data)) return data;
  if (typeof data === "object" && data !== null) return Object.values(data);
  throw new UsageError("a JSON import file holds an array of users or an object of users");
}

function nameOf(row: unknown): string {
  if (typeof row === "object" && row !== null && "username" in row) {
    const { username } = row;
    if (typeof username === "string" && isValidUsername(username)) return username;
  }
  return "-";
}

async function importRowOf(
  services: Services,
  context: AuditContext,
  row: unknown,
): Promise<RowOutcome> {
  const username = nameOf(row);
  const parsed = importRow.safeParse(row);
  if (!parsed.success) {
    const why = parsed.error.issues
      .map((issue) => `${issue.path.join(".") || "row"} ${issue.message}`)
      .join("; ");
    return { kind: "invalid", username, why };
  }
  const fields = parsed.data;
  const unknown = fields.scopes.filter((name) => !services.scopes.has(name));
  if (unknown.length > 0) {
    return { kind: "invalid", username, why: `unknown scope ${unknown.join(", ")}` };
  }
  let passwordHash: PasswordHash;
  if (fields.password !== undefined) {
    // The admin API's rules: a hash made from a password nobody checked is a weak password kept.
    const problem = isAcceptablePassword(fields.password)
      ? services.passwordPolicy.problem(fields.password)
      : "must be 1 to 1024 bytes and hold no NUL";
    if (problem !== undefined) return { kind: "invalid", username, why: `password ${problem}` };
    passwordHash = await services.hasher.hash(fields.password);
  } else {
    const hash = fields.hashed_password ?? "";
    if (passwordHashFormat(hash) === undefined) {
      return {
        kind: "invalid",
        username,
        why: "hashed_password is not an argon2, bcrypt or pbkdf2_sha256 hash",
      };
    }
    passwordHash = importedPasswordHash(hash);
  }
  try {
    await importAccount(
      {
        ...services,
        users: services.store.users,
        audit: services.store.audit,
        refreshTokens: services.store.refreshTokens,
      },
      context,
      {
        username: fields.username,
        email: fields.email,
        fullName: fields.full_name,
        disabled: fields.disabled,
        scopes: fields.scopes,
        passwordHash,
      },
    );
  } catch (error) {
    if (isAuthError(error, "username_taken")) {
      return {
        kind: "skipped",
        username,
        why: "a user with this username, or one differing only by case, exists",
      };
    }
    throw error;
  }
  return {
    kind: "imported",
    username,
    format:
      fields.hashed_password === undefined
        ? undefined
        : (passwordHashFormat(fields.hashed_password) ?? "unknown"),
  };
}

function describe(outcome: RowOutcome): string {
  switch (outcome.kind) {
    case "imported":
      return outcome.format === undefined
        ? "imported (password checked against the password policy, hashed with argon2id)"
        : `imported (${outcome.format} hash, upgraded to argon2id at next login)`;
    case "skipped":
    case "invalid":
      return `${outcome.kind}: ${outcome.why}`;
    default: {
      const unreachable: never = outcome;
      throw new TypeError(`unhandled outcome ${String(unreachable)}`);
    }
  }
}

/**
 * `gatehouse users import FILE [--format json|csv]`: creates each user of the file with the
 * hash it carries. Each row is one store write, so a bad row leaves nothing behind and never
 * stops the others; every row is reported. Exits 1 when any row was invalid.
 * @throws {UsageError} for a missing or unreadable file, or a file that is not JSON or CSV
 */
export async function runUsersImportCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { format: { type: "string" } },
    { min: 1, max: 1 },
  );
  const file = positionals[0] ?? "";
  const format = values.format ?? (file.toLowerCase().endsWith(".csv") ? "csv" : "json");
  if (format !== "json" && format !== "csv") throw new UsageError("--format is json or csv");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}`, { cause: error });
  }
  let rows: unknown[];
  try {
    rows = rowsOf(text, format);
  } catch (error) {
    if (error instanceof SyntaxError)
      throw new UsageError(`the file is not valid CSV: ${error.message}`);
    throw error;
  }
  const services = await deps.services();
  const context: AuditContext = { actor: "cli", clientAddress: null, requestId: null };
  const counts = { imported: 0, skipped: 0, invalid: 0 };
  let unchecked = 0;
  for (const [index, row] of rows.entries()) {
    const outcome = await importRowOf(services, context, row);
    counts[outcome.kind]++;
    if (outcome.kind === "imported" && outcome.format !== undefined) unchecked++;
    io.stdout(`row ${index + 1} ${outcome.username}: ${describe(outcome)}\n`);
  }
  io.stdout(`imported ${counts.imported}, skipped ${counts.skipped}, invalid ${counts.invalid}\n`);
  if (unchecked > 0) {
    // A hash cannot be checked for length or against the common-password list; say so, so the
    // operator can ask those users to change their passwords.
    io.stdout(
      `${unchecked} imported password hash(es) could not be checked against the password policy\n`,
    );
  }
  if (counts.invalid > 0) {
    io.stderr(`gatehouse: ${counts.invalid} row(s) were invalid and not imported\n`);
    return 1;
  }
  return 0;
}
