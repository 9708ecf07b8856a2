// `gatehouse users …`: create, inspect, change and delete users in the configured store.

import { AuthError } from "gatehouse-auth-core/errors";
import { assertAcceptablePassword } from "gatehouse-auth-core/passwords/hasher";
import type { Scope, ScopeCatalogue } from "gatehouse-auth-core/scopes";
import {
  isValidUsername,
  toUser,
  type User,
  type UserRecord,
} from "gatehouse-auth-core/users/user";
import {
  type AuditContext,
  changeAccount,
  createAccount,
  deleteAccount,
  setAccountPassword,
  type UserAdminDeps,
} from "gatehouse-auth-core/users/user-admin";
import type { Services } from "../../service/compose.ts";
import { parseCommandArgs, UsageError } from "../arguments.ts";
import type { Command, CommandDeps } from "../command.ts";
import type { CliIo } from "../io.ts";
import { formatTable as layOutTable } from "../text-table.ts";
import { runUsersImportCommand } from "./users-import.ts";

// Changes made from the command line are audited with the actor "cli".
const cliContext: AuditContext = { actor: "cli", clientAddress: null, requestId: null };

function adminDeps(services: Services): UserAdminDeps {
  return {
    ...services,
    users: services.store.users,
    audit: services.store.audit,
    refreshTokens: services.store.refreshTokens,
  };
}

const one = { min: 1, max: 1 } as const;

function checkedUsername(name: string | undefined): string {
  if (name === undefined) throw new UsageError("missing argument: <username>");
  if (!isValidUsername(name)) {
    throw new AuthError(
      "invalid_request",
      "a username is 1 to 64 characters of A-Z a-z 0-9 . _ @ - and starts with a letter or digit",
    );
  }
  return name;
}

/** Names the unknown scopes and the declared ones, so the operator can correct the command. */
function checkedScopes(catalogue: ScopeCatalogue, words: readonly string[]): readonly Scope[] {
  const names = words.flatMap((word) => word.split(/\s+/)).filter((name) => name !== "");
  const unknown = names.filter((name) => !catalogue.has(name));
  if (unknown.length > 0) {
    throw new AuthError(
      "invalid_scope",
      `unknown scope ${unknown.join(", ")}; the catalogue declares ${catalogue.all.join(", ")}`,
    );
  }
  return catalogue.check(names);
}

async function existingUser(services: Services, username: string): Promise<UserRecord> {
  const record = await services.store.users.findByUsername(username);
  if (record === undefined) throw new AuthError("user_not_found", `no user named ${username}`);
  return record;
}

async function readNewPassword(io: CliIo, prompt: string): Promise<string> {
  const password = await io.readPassword(prompt, { confirm: true });
  assertAcceptablePassword(password);
  return password;
}

/** A user for `show`: the public fields plus readable timestamps, never the hash. */
function describeUser(record: UserRecord): User & { createdAt: string; updatedAt: string } {
  return {
    ...toUser(record),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
  };
}

function formatTable(records: readonly UserRecord[]): string {
  const rows = [
    ["USERNAME", "STATUS", "SCOPES", "EMAIL", "FULL NAME"],
    ...records.map((user) => [
      user.username,
      user.disabled ? "disabled" : "active",
      user.scopes.join(" "),
      user.email ?? "",
      user.fullName ?? "",
    ]),
  ];
  return layOutTable(rows);
}

const addUser: Command = async (args, io, deps) => {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      email: { type: "string" },
      "full-name": { type: "string" },
      scopes: { type: "string" },
      disabled: { type: "boolean" },
    },
    one,
  );
  const username = checkedUsername(positionals[0]);
  const services = await deps.services();
  const scopes = checkedScopes(services.scopes, values.scopes === undefined ? [] : [values.scopes]);
  // Fails before the password prompt, so the operator does not type a password for nothing.
  if ((await services.store.users.findByLogin(username)) !== undefined) {
    throw new AuthError(
      "username_taken",
      `a user named ${username}, or differing only by case, exists`,
    );
  }
  const password = await readNewPassword(io, `Password for ${username}: `);
  await createAccount(adminDeps(services), cliContext, {
    username,
    password,
    email: values.email ?? null,
    fullName: values["full-name"] ?? null,
    disabled: values.disabled ?? false,
    scopes,
  });
  io.stdout(`created user ${username}\n`);
  return 0;
};

const listUsers: Command = async (args, io, deps) => {
  const { values } = parseCommandArgs(args, { json: { type: "boolean" } }, { min: 0, max: 0 });
  const records = await (await deps.services()).store.users.listUsers();
  io.stdout(
    values.json === true
      ? `${JSON.stringify(records.map(toUser), null, 2)}\n`
      : formatTable(records),
  );
  return 0;
};

const showUser: Command = async (args, io, deps) => {
  const username = checkedUsername(parseCommandArgs(args, {}, one).positionals[0]);
  const record = await existingUser(await deps.services(), username);
  io.stdout(`${JSON.stringify(describeUser(record), null, 2)}\n`);
  return 0;
};

// Disabling also takes back every token the user holds; enabling gives none back.
function setDisabled(disabled: boolean): Command {
  return async (args, io, deps) => {
    const username = checkedUsername(parseCommandArgs(args, {}, one).positionals[0]);
    await changeAccount(adminDeps(await deps.services()), cliContext, username, { disabled });
    io.stdout(`${disabled ? "disabled" : "enabled"} user ${username}\n`);
    return 0;
  };
}

const setScopes: Command = async (args, io, deps) => {
  const { positionals } = parseCommandArgs(args, {}, { min: 1, max: Number.POSITIVE_INFINITY });
  const username = checkedUsername(positionals[0]);
  const services = await deps.services();
  const scopes = checkedScopes(services.scopes, positionals.slice(1));
  await changeAccount(adminDeps(services), cliContext, username, { scopes });
  io.stdout(`scopes of ${username}: ${scopes.length === 0 ? "(none)" : scopes.join(" ")}\n`);
  return 0;
};

const setPassword: Command = async (args, io, deps) => {
  const username = checkedUsername(parseCommandArgs(args, {}, one).positionals[0]);
  const services = await deps.services();
  await existingUser(services, username);
  const password = await readNewPassword(io, `New password for ${username}: `);
  await setAccountPassword(adminDeps(services), cliContext, username, password);
  io.stdout(`changed the password of ${username}; every token issued before is revoked\n`);
  return 0;
};

const deleteUser: Command = async (args, io, deps) => {
  const username = checkedUsername(parseCommandArgs(args, {}, one).positionals[0]);
  await deleteAccount(adminDeps(await deps.services()), cliContext, username);
  io.stdout(`deleted user ${username}\n`);
  return 0;
};

const subcommands = {
  add: addUser,
  list: listUsers,
  show: showUser,
  disable: setDisabled(true),
  enable: setDisabled(false),
  "set-scopes": setScopes,
  "set-password": setPassword,
  delete: deleteUser,
  import: runUsersImportCommand,
} as const satisfies Record<string, Command>;

function isSubcommand(name: string): name is keyof typeof subcommands {
  return Object.hasOwn(subcommands, name);
}

/**
 * `gatehouse users <add|list|show|disable|enable|set-scopes|set-password|delete|import> …`.
 * Every change is written to the audit trail with the actor `cli`.
 * New passwords are read through `io` (never argv) and checked with `assertAcceptablePassword`.
 * @throws {UsageError} for an unknown subcommand, flag or argument count
 * @throws {AuthError} invalid_request (bad username or password), invalid_scope, username_taken,
 * user_not_found
 */
export async function runUsersCommand(
  args: readonly string[],
  io: CliIo,
  deps: CommandDeps,
): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined) throw new UsageError("missing users subcommand");
  if (!isSubcommand(name)) throw new UsageError(`unknown users subcommand: ${name}`);
  return subcommands[name](rest, io, deps);
}
