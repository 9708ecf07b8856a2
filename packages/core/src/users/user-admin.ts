// Changing user accounts on an operator's behalf, each change written to the audit trail.
import type { AuditDetails, AuditEventType, AuditLog } from "../audit-log.ts";
import { AuthError } from "../errors.ts";
import { passwordHashFormat } from "../passwords/hash-formats.ts";
import type { PasswordHash, PasswordHasher } from "../passwords/hasher.ts";
import { assertAcceptablePassword } from "../passwords/hasher.ts";
import type { PasswordPolicy } from "../passwords/password-policy.ts";
import type { ScopeCatalogue } from "../scopes.ts";
import type { UserPatch, UserRecord, UserStore, UserWriteGuard } from "./user.ts";
import { isValidUsername } from "./user.ts";
import type { UserLifecycleDeps } from "./user-lifecycle.ts";
import { changePassword, disableUser, logoutEverywhere } from "./user-lifecycle.ts";

/** What the account functions need. */
export interface UserAdminDeps extends UserLifecycleDeps {
  readonly users: UserStore;
  readonly hasher: PasswordHasher;
  readonly audit: AuditLog;
  readonly scopes: ScopeCatalogue;
  /** What a new or changed password must be; imported hashes are not checked. */
  readonly passwordPolicy: PasswordPolicy;
}

/** Who is making a change, and from where, as the audit trail records it. */
export interface AuditContext {
  /** The admin's username, or `cli` for the command line. */
  readonly actor: string;
  readonly clientAddress: string | null;
  readonly requestId: string | null;
  /**
   * The scopes the acting account holds, when an account acts (the admin API). It may then grant
   * only these, and may not disable, delete or take `users:write` from the last active account
   * holding it. Absent for the command line, the operator's root tool with database access.
   */
  readonly actorScopes?: readonly string[];
}

/** The scope that lets an account manage users; some active account must always hold it. */
const manageUsersScope = "users:write";

/** A new account as an operator describes it. */
export interface NewAccount {
  readonly username: string;
  readonly password: string;
  readonly email?: string | null;
  readonly fullName?: string | null;
  readonly scopes?: readonly string[];
  readonly disabled?: boolean;
}

/** A new account whose password hash was made elsewhere (an import). */
export type ImportedAccount = Omit<NewAccount, "password"> & {
  readonly passwordHash: PasswordHash;
};

/** The account fields an operator may change; absent fields stay as they are. */
export interface AccountChanges {
  readonly email?: string | null;
  readonly fullName?: string | null;
  readonly scopes?: readonly string[];
  readonly disabled?: boolean;
}

const usernameRule =
  "a username is 1 to 64 characters of A-Z a-z 0-9 . _ @ - and starts with a letter or digit";

function checkUsername(username: string): void {
  if (!isValidUsername(username)) throw new AuthError("invalid_request", usernameRule);
}

/** The longest email address an account may have: RFC 5321 §4.5.3.1.3's limit on a path. */
export const maxEmailLength = 254;
/** The longest full name an account may have. */
export const maxFullNameLength = 256;

// The same bounds as the admin API's schema, for every caller (the CLI, an import, the toolkit),
// so no caller can store an unbounded string in an account.
function checkProfile(fields: {
  readonly email?: string | null | undefined;
  readonly fullName?: string | null | undefined;
}): void {
  if ((fields.email?.length ?? 0) > maxEmailLength) {
    throw new AuthError("invalid_request", `an email is at most ${maxEmailLength} characters`);
  }
  if ([...(fields.fullName ?? "")].length > maxFullNameLength) {
    throw new AuthError(
      "invalid_request",
      `a full name is at most ${maxFullNameLength} characters`,
    );
  }
}

async function requireAccount(users: UserStore, username: string): Promise<UserRecord> {
  const record = await users.findByUsername(username);
  if (record === undefined) throw new AuthError("user_not_found", "no user with this username");
  return record;
}

// Refuses scopes in `granted` that the acting account does not hold, except those `kept` from
// before: an admin may leave a scope it lacks on an account, but not hand it out.
function checkGrantable(
  context: AuditContext,
  granted: readonly string[],
  kept: readonly string[] = [],
): void {
  const held = context.actorScopes;
  if (held === undefined) return;
  const missing = granted.filter((scope) => !held.includes(scope) && !kept.includes(scope));
  if (missing.length > 0) {
    throw new AuthError(
      "scope_not_held",
      `cannot grant ${missing.join(", ")}: the acting account does not hold it`,
    );
  }
}

// The guard the store checks, atomically, with each write an account makes over the admin API: it
// may not take users:write away from its last active holder (nobody could manage users over the
// API again), and may add only scopes it holds. The command line, the operator's root tool, is
// held to neither.
function adminGuard(context: AuditContext): UserWriteGuard | undefined {
  return context.actorScopes === undefined
    ? undefined
    : { keepActiveHolderOf: manageUsersScope, grantableScopes: context.actorScopes };
}

async function audit(
  deps: UserAdminDeps,
  context: AuditContext,
  type: AuditEventType,
  subject: string,
  details: AuditDetails = {},
): Promise<void> {
  await deps.audit.record({
    type,
    actor: context.actor,
    subject,
    clientAddress: context.clientAddress,
    requestId: context.requestId,
    reason: null,
    details,
  });
}

async function insertAccount(
  deps: UserAdminDeps,
  context: AuditContext,
  account: ImportedAccount,
  details: AuditDetails,
): Promise<UserRecord> {
  checkProfile(account);
  const scopes = deps.scopes.check(account.scopes ?? []);
  const created = await deps.users.createUser({
    username: account.username,
    email: account.email ?? null,
    fullName: account.fullName ?? null,
    disabled: account.disabled ?? false,
    scopes,
    passwordHash: account.passwordHash,
  });
  await audit(deps, context, "user.created", created.username, {
    scopes: scopes.join(" "),
    disabled: created.disabled,
    ...details,
  });
  return created;
}

/**
 * Creates an account with a new password and records `user.created`.
 * @throws {AuthError} invalid_request (username rules, password rules), weak_password (the
 * password policy), invalid_scope, scope_not_held (an account granting a scope it lacks),
 * username_taken (also for a case variant of an existing username), hasher_busy
 */
export async function createAccount(
  deps: UserAdminDeps,
  context: AuditContext,
  account: NewAccount,
): Promise<UserRecord> {
  checkUsername(account.username);
  checkProfile(account);
  assertAcceptablePassword(account.password);
  deps.passwordPolicy.check(account.password);
  checkGrantable(context, deps.scopes.check(account.scopes ?? []));
  // Refused before hashing, so a duplicate (or a case variant of one) costs no hashing work.
  if ((await deps.users.findByLogin(account.username)) !== undefined) {
    throw new AuthError(
      "username_taken",
      "a user with this username, or one differing only by case, exists",
    );
  }
  const { password, ...rest } = account;
  const passwordHash = await deps.hasher.hash(password);
  return insertAccount(deps, context, { ...rest, passwordHash }, {});
}

/**
 * Creates an account keeping a hash brought from another system, in one store write (so a
 * failure leaves no half-made user), and records `user.created` with `source: import`.
 * @throws {AuthError} invalid_request, invalid_scope, username_taken
 */
export async function importAccount(
  deps: UserAdminDeps,
  context: AuditContext,
  account: ImportedAccount,
): Promise<UserRecord> {
  checkUsername(account.username);
  return insertAccount(deps, context, account, {
    source: "import",
    hashFormat: passwordHashFormat(account.passwordHash) ?? "unknown",
  });
}

/**
 * Applies `changes` and records `user.updated` (naming the changed fields, never their values)
 * and `user.disabled` or `user.enabled` when the flag flips.
 * @throws {AuthError} user_not_found, invalid_scope, scope_not_held (an account granting a scope
 * it lacks), last_user_admin (disabling or taking users:write from the last active account with it)
 */
export async function changeAccount(
  deps: UserAdminDeps,
  context: AuditContext,
  username: string,
  changes: AccountChanges,
): Promise<UserRecord> {
  checkProfile(changes);
  const before = await requireAccount(deps.users, username);
  const scopes = changes.scopes === undefined ? undefined : deps.scopes.check(changes.scopes);
  if (scopes !== undefined) checkGrantable(context, scopes, before.scopes);
  const guard = adminGuard(context);
  const patch: UserPatch = {
    ...(changes.email === undefined ? {} : { email: changes.email }),
    ...(changes.fullName === undefined ? {} : { fullName: changes.fullName }),
    ...(scopes === undefined ? {} : { scopes }),
    ...(changes.disabled === false ? { disabled: false } : {}),
  };
  // Disabling goes through the lifecycle so the user's tokens are taken back with it, the other
  // changes in the same write. The write carries the guard: the store refuses it, atomically, when
  // it would leave no active account with users:write or add a scope the actor lacks (the checks
  // above read the account before the write, and a concurrent change can make them stale).
  const after =
    changes.disabled === true && !before.disabled
      ? await disableUser(deps, username, guard, patch)
      : await deps.users.updateUser(username, patch, guard);
  const fields = [
    changes.email === undefined ? [] : ["email"],
    changes.fullName === undefined ? [] : ["full_name"],
    changes.scopes === undefined ? [] : ["scopes"],
  ].flat();
  if (fields.length > 0) {
    await audit(deps, context, "user.updated", username, {
      fields: fields.join(","),
      ...(changes.scopes === undefined ? {} : { scopes: after.scopes.join(" ") }),
    });
  }
  if (before.disabled !== after.disabled) {
    await audit(deps, context, after.disabled ? "user.disabled" : "user.enabled", username);
  }
  return after;
}

/**
 * Sets a new password and records `user.password_set`.
 * @throws {AuthError} user_not_found, invalid_request (password rules), weak_password (the
 * password policy), hasher_busy
 */
export async function setAccountPassword(
  deps: UserAdminDeps,
  context: AuditContext,
  username: string,
  password: string,
): Promise<void> {
  assertAcceptablePassword(password);
  deps.passwordPolicy.check(password);
  await requireAccount(deps.users, username);
  const passwordHash = await deps.hasher.hash(password);
  // A new password takes back every token issued before it.
  await changePassword(deps, username, passwordHash);
  await audit(deps, context, "user.password_set", username);
}

/**
 * Takes back every token of `username` ("log out everywhere") and records `token.revoked`.
 * @throws {AuthError} user_not_found
 */
export async function revokeAccountTokens(
  deps: UserAdminDeps,
  context: AuditContext,
  username: string,
): Promise<void> {
  await logoutEverywhere(deps, username);
  await audit(deps, context, "token.revoked", username, { scope: "all" });
}

/**
 * Deletes an account (and its items) and records `user.deleted`.
 * @throws {AuthError} user_not_found, last_user_admin (deleting the last active account with
 * users:write)
 */
export async function deleteAccount(
  deps: UserAdminDeps,
  context: AuditContext,
  username: string,
): Promise<void> {
  if (!(await deps.users.deleteUser(username, adminGuard(context)))) {
    throw new AuthError("user_not_found", "no user with this username");
  }
  await audit(deps, context, "user.deleted", username);
}
