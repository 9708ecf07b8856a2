// Reading and revoking a user's consents, for the admin API and the CLI, every change audited.
import type { AuditLog } from "../audit-log.ts";
import { AuthError } from "../errors.ts";
import type { UserStore } from "../users/user.ts";
import type { AuditContext } from "../users/user-admin.ts";
import type { Consent, ConsentStore } from "./consents.ts";

/** What the consent administration needs. */
export interface ConsentAdminDeps {
  readonly users: UserStore;
  readonly consents: ConsentStore;
  readonly audit: AuditLog;
}

/**
 * The consents of `username`, ordered by client id; only those the current account gave (an
 * account deleted and created again under the name does not inherit any).
 * @throws {AuthError} user_not_found
 */
export async function listUserConsents(
  deps: ConsentAdminDeps,
  username: string,
): Promise<readonly Consent[]> {
  const user = await deps.users.findByUsername(username);
  if (user === undefined) throw new AuthError("user_not_found", "no user with this username");
  const consents = await deps.consents.listConsents(username);
  return consents.filter((consent) => consent.grantedAt >= user.createdAt);
}

/**
 * Revokes the consent of `username` to `clientId` and records `consent.revoked`: the client's
 * next authorization asks the user again. Tokens already issued are not touched; revoke those
 * with "log out everywhere" or `/revoke`.
 * @throws {AuthError} user_not_found, consent_not_found
 */
export async function revokeUserConsent(
  deps: ConsentAdminDeps,
  context: AuditContext,
  username: string,
  clientId: string,
): Promise<void> {
  const user = await deps.users.findByUsername(username);
  if (user === undefined) throw new AuthError("user_not_found", "no user with this username");
  if (!(await deps.consents.revokeConsent(username, clientId))) {
    throw new AuthError("consent_not_found", "the user has no consent for this client");
  }
  await deps.audit.record({
    type: "consent.revoked",
    actor: context.actor,
    subject: username,
    clientAddress: context.clientAddress,
    requestId: context.requestId,
    reason: null,
    details: { clientId },
  });
}
