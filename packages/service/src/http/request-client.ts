// Client authentication at /revoke and /introspect (RFC 6749 §2.3): the request's client,
// authenticated, or the RFC 6749 §5.2 answer refusing it, audited as at /token.
import type { AuditLog } from "gatehouse-auth-core/audit-log";
import { peekAssertionSubject } from "gatehouse-auth-core/clients/client-assertion";
import type {
  AuthenticatedClient,
  ClientAuthenticationDeps,
} from "gatehouse-auth-core/clients/client-authentication";
import {
  authenticateClient,
  clientSubject,
} from "gatehouse-auth-core/clients/client-authentication";
import { isAuthError } from "gatehouse-auth-core/errors";
import type { PresentedClient } from "gatehouse-auth-core/protocol/client-credentials";
import { readPresentedClient } from "gatehouse-auth-core/protocol/client-credentials";
import type { ErrorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { requestHeader } from "./node-bindings.ts";
import { clientAddress, requestId } from "./request-envelope.ts";
import { refusal } from "./routes/token-route.ts";
import type { TokenParameters } from "./token-parameter-schema.ts";

/** How a request's client turned out. */
export type RequestClient =
  | {
      readonly ok: true;
      readonly presented: PresentedClient;
      readonly client: AuthenticatedClient | undefined;
    }
  | { readonly ok: false; readonly answer: ErrorAnswer };

/** What {@link requestClient} needs: client authentication's ports and the audit trail. */
export interface RequestClientDeps extends ClientAuthenticationDeps {
  readonly audit: AuditLog;
}

/**
 * Reads and authenticates the client a `token` form request presents (Basic or form
 * parameters). A failure is answered as at `/token`: 401 `invalid_client` (with the Basic
 * challenge when Basic was used), 400 `invalid_request` for two methods at once, 429 while the
 * client or the address is locked — the throttle counts under the same keys as at `/token`, so
 * guesses spread over the three endpoints share one limit. Every failure is recorded as at
 * `/token`: `login.failed` with the failure's code and the endpoint's path.
 */
export async function requestClient(
  c: Context<AppEnv>,
  deps: RequestClientDeps,
  form: TokenParameters,
): Promise<RequestClient> {
  const authorization = requestHeader(c, "authorization");
  const address = clientAddress(c) ?? undefined;
  let presented: PresentedClient | undefined;
  try {
    presented = readPresentedClient(authorization, form);
    const client = await authenticateClient(deps, presented, {
      address,
      unknownIdMeansNoClient: true,
    });
    return { ok: true, presented, client };
  } catch (error) {
    if (!isAuthError(error)) throw error;
    const subject = await registeredSubject(deps, presented);
    await deps.audit.record({
      type: "login.failed",
      actor: subject,
      subject,
      clientAddress: address ?? null,
      requestId: requestId(c),
      reason: error.code,
      details: { endpoint: c.req.path },
    });
    return { ok: false, answer: refusal(error, authorization) };
  }
}

/**
 * The audit subject of a presented client: `client:<client_id>` when it names a registered
 * client, else `null` — a value typed into the client_id field may be a secret, and is recorded
 * only once the registry says it is an id.
 */
async function registeredSubject(
  deps: ClientAuthenticationDeps,
  presented: PresentedClient | undefined,
): Promise<string | null> {
  if (presented === undefined || presented.kind === "none") return null;
  const clientId =
    presented.kind === "assertion"
      ? (presented.clientId ?? peekAssertionSubject(presented.assertion))
      : presented.clientId;
  if (clientId === undefined) return null;
  const record = await deps.clients.findClient(clientId);
  return record === undefined ? null : clientSubject(record.clientId);
}
