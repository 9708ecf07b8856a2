// Authenticating a client at the token, revocation and introspection endpoints (RFC 6749 §2.3):
// its secret checked in constant time, failures throttled like passwords.
import type { Clock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import type { LoginThrottle } from "../grants/throttle.ts";
import type { PresentedClient } from "../protocol/client-credentials.ts";
import type { ClientRecord, ClientStore } from "./client.ts";
import type { ClientAssertionPolicy } from "./client-assertion.ts";
import { peekAssertionSubject, verifyClientAssertion } from "./client-assertion.ts";
import { verifyClientSecret } from "./client-secrets.ts";

/** The one read client authentication needs of the registry. */
export type ClientLookup = Pick<ClientStore, "findClient">;

/** What {@link authenticateClient} needs. */
export interface ClientAuthenticationDeps {
  readonly clients: ClientLookup;
  readonly clock: Clock;
  /** Counts failed client authentications as the password grant counts failed logins. */
  readonly throttle?: LoginThrottle;
  /** How private_key_jwt assertions are checked; without it every assertion is refused. */
  readonly assertions?: ClientAssertionPolicy | undefined;
}

/** A client the request proved to be (or, for a public client, named): enabled and registered. */
export interface AuthenticatedClient {
  readonly client: ClientRecord;
  /** `none` for a public client, which has no secret to prove (RFC 8414 §2's method names). */
  readonly method: "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "none";
}

/**
 * The subject of a token a client obtained for itself (`client_credentials`): `client:` and its
 * id. Usernames cannot contain `:` (see `isValidUsername`), so it never names a user.
 */
export function clientSubject(clientId: string): string {
  return `${clientSubjectPrefix}${clientId}`;
}

/**
 * The `client_id` of tokens from a password login that presented no client (the seed's form):
 * RFC 9068 §2.2 requires the claim, and this names the built-in login rather than a registered
 * client.
 */
export const passwordLoginClientId = "gatehouse-password-login";

/** What every client subject starts with. */
export const clientSubjectPrefix = "client:";

/**
 * The throttle's counter name for a client: the `client:` subject, which the throttle hashes
 * like a username. No username contains `:`, so a client never shares a user's counter.
 */
const throttleName = clientSubject;

const failed = (): AuthError => new AuthError("invalid_client", "client authentication failed");

/**
 * Authenticates the client a request presented (see `readPresentedClient`). A secret is checked
 * against the registry in constant time; an id alone is accepted only for a public client. A
 * public client presenting a secret is a malformed request (RFC 6749 §2.1: it has none); every
 * other failure — unknown, disabled, wrong secret, a confidential client without its secret, an
 * assertion that does not verify (see `verifyClientAssertion`) — is one `invalid_client`. Secret
 * and assertion checks are counted by the throttle under the client's own key and the address,
 * like password attempts.
 * @returns `undefined` when no client was presented
 * @throws {AuthError} invalid_client, invalid_request (a public client with a secret), throttled
 * @example
 * const who = await authenticateClient(deps, readPresentedClient(header, form), "203.0.113.7");
 */
export async function authenticateClient(
  deps: ClientAuthenticationDeps,
  presented: PresentedClient,
  options: AuthenticateClientOptions = {},
): Promise<AuthenticatedClient | undefined> {
  if (presented.kind === "none") return undefined;
  if (presented.kind === "id") {
    // No secret, so nothing to guess and nothing to throttle: a public client is who it says,
    // as a client_id is in RFC 6749 §4.1.
    const record = await deps.clients.findClient(presented.clientId);
    if (record === undefined && options.unknownIdMeansNoClient === true) return undefined;
    if (record === undefined || record.disabled || record.type !== "public") throw failed();
    return { client: record, method: "none" };
  }
  if (presented.kind === "assertion") return authenticateByAssertion(deps, presented, options);
  const check = async (): Promise<AuthenticatedClient> => {
    const record = await deps.clients.findClient(presented.clientId);
    if (record?.type === "public") {
      throw new AuthError("invalid_request", "a public client has no secret to present");
    }
    const valid = verifyClientSecret(record, presented.secret, deps.clock.now());
    if (record === undefined || !valid || record.disabled) throw failed();
    return { client: record, method: presented.method };
  };
  return deps.throttle === undefined
    ? check()
    : deps.throttle.attempt(throttleName(presented.clientId), options.address, check);
}

/** Options of {@link authenticateClient}. */
export interface AuthenticateClientOptions {
  /** The client's address, for the throttle's per-address counter. */
  readonly address?: string | undefined;
  /**
   * Treat a `client_id` without a secret that names no registered client as no client at all:
   * the seed's password login, where Swagger UI and FastAPI front ends send any `client_id`.
   */
  readonly unknownIdMeansNoClient?: boolean;
}

/**
 * private_key_jwt: the client the assertion names (the form's `client_id`, else its `sub`) must
 * be an enabled confidential client with registered keys, and the assertion must verify against
 * them. Counted by the throttle like a secret.
 */
async function authenticateByAssertion(
  deps: ClientAuthenticationDeps,
  presented: Extract<PresentedClient, { kind: "assertion" }>,
  options: AuthenticateClientOptions,
): Promise<AuthenticatedClient> {
  const clientId = presented.clientId ?? peekAssertionSubject(presented.assertion);
  if (clientId === undefined) throw failed();
  const check = async (): Promise<AuthenticatedClient> => {
    const record = await deps.clients.findClient(clientId);
    if (
      deps.assertions === undefined ||
      record === undefined ||
      record.disabled ||
      record.type !== "confidential"
    ) {
      throw failed();
    }
    await verifyClientAssertion(
      { clock: deps.clock, policy: deps.assertions },
      record,
      presented.assertion,
    );
    return { client: record, method: "private_key_jwt" };
  };
  return deps.throttle === undefined
    ? check()
    : deps.throttle.attempt(throttleName(clientId), options.address, check);
}
