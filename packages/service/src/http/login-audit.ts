// What a login attempt at /token leaves behind: an audit event and a metrics count.

import type { AuditLog } from "gatehouse-auth-core/audit-log";
import type { AuthErrorCode } from "gatehouse-auth-core/errors";
import { isValidUsername } from "gatehouse-auth-core/users/user";
import type { Context } from "hono";
import type { Metrics } from "../telemetry/metrics.ts";
import type { AppEnv } from "./app-env.ts";
import { clientAddress, requestId } from "./request-envelope.ts";

/** What {@link recordLogin} writes to. */
export interface LoginAuditDeps {
  readonly audit: AuditLog;
  readonly metrics: Metrics;
}

/**
 * Records `login.succeeded`, or `login.failed` with the failure's code as the reason — never the
 * password. A username outside the username rules is not recorded (it may be a mistyped
 * password), so the event names no subject.
 */
export async function recordLogin(
  c: Context<AppEnv>,
  deps: LoginAuditDeps,
  username: string,
  failure: AuthErrorCode | undefined,
): Promise<void> {
  deps.metrics.countLogin(failure ?? "succeeded");
  const subject = isValidUsername(username) ? username : null;
  await deps.audit.record({
    type: failure === undefined ? "login.succeeded" : "login.failed",
    actor: subject,
    subject,
    clientAddress: clientAddress(c),
    requestId: requestId(c),
    reason: failure ?? null,
    details: {},
  });
}
