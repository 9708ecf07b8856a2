// Client authentication at /revoke and /introspect (RFC 6749 §2.3): the request's client,
// authenticated, or the RFC 6749 §5.2 answer refusing it.
import type {
  AuthenticatedClient,
  ClientAuthenticationDeps,
} from "gatehouse-auth-core/clients/client-authentication";
import { authenticateClient } from "gatehouse-auth-core/clients/client-authentication";
import { isAuthError } from "gatehouse-auth-core/errors";
import type { PresentedClient } from "gatehouse-auth-core/protocol/client-credentials";
import { readPresentedClient } from "gatehouse-auth-core/protocol/client-credentials";
import type { ErrorAnswer } from "gatehouse-auth-core/protocol/error-responses";
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { requestHeader } from "./node-bindings.ts";
import { clientAddress } from "./request-envelope.ts";
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

/**
 * Reads and authenticates the client a `token` form request presents (Basic or form
 * parameters). A failure is answered as at `/token`: 401 `invalid_client` (with the Basic
 * challenge when Basic was used), 400 `invalid_request` for two methods at once.
 */
export async function requestClient(
  c: Context<AppEnv>,
  deps: ClientAuthenticationDeps,
  form: TokenParameters,
): Promise<RequestClient> {
  const authorization = requestHeader(c, "authorization");
  try {
    const presented = readPresentedClient(authorization, form);
    const client = await authenticateClient(deps, presented, {
      address: clientAddress(c) ?? undefined,
      unknownIdMeansNoClient: true,
    });
    return { ok: true, presented, client };
  } catch (error) {
    if (!isAuthError(error)) throw error;
    return { ok: false, answer: refusal(error, authorization) };
  }
}
