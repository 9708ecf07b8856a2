// Turning a bearer token into whichever principal a resource accepts: a user, or a client acting
// for itself (client_credentials), each checked against the store on every call.
import type { AuthorizeDeps, Principal } from "./authorize.ts";
import { authorizeVerifiedUser } from "./authorize.ts";
import type { Awaitable } from "./awaitable.ts";
import { isPending } from "./awaitable.ts";
import type { ClientPrincipal } from "./clients/authorize-client.ts";
import { authorizeVerifiedClient, isClientSubject } from "./clients/authorize-client.ts";
import type { ClientReads } from "./clients/client.ts";
import { AuthError } from "./errors.ts";
import type { Scope } from "./scopes.ts";
import { verifyWithKeyRefresh } from "./tokens/token-verifier.ts";
import type { VerifiedAccessToken } from "./tokens/verified-access-token.ts";

/** Who is calling: a user ({@link Principal}) or a client acting for itself, told apart by `kind`. */
export type Caller = Principal | ClientPrincipal;

/** The kinds of principal a resource may accept. */
export type PrincipalKind = Caller["kind"];

/** The principal of the kinds `Kind`: `PrincipalOf<"user">` is a {@link Principal}. */
export type PrincipalOf<Kind extends PrincipalKind> = Extract<Caller, { readonly kind: Kind }>;

/** What {@link authorizeCaller} needs: {@link authorize}'s stores plus the client registry. */
export interface AuthorizeCallerDeps extends AuthorizeDeps {
  readonly clients: ClientReads;
}

/**
 * Turns a bearer token into a principal of one of the kinds `accepts` names, allowed to use a
 * resource needing `required`. The token is verified once; its subject then decides the kind (a
 * client's is `client:<client_id>`, which no username can be). A kind the resource does not
 * accept is refused like a subject that does not exist. A user is checked as {@link authorize}
 * checks it; a client is loaded from the registry on every call, so a disabled or deleted client
 * is refused at once and only the scopes it is still allowed count — the store is trusted over
 * the token for both.
 *
 * Use {@link authorize} for a resource accepting users only: it does the same with no dispatch.
 * @throws {AuthError} token_invalid when the token is bad or revoked, its subject is of a kind
 * not accepted, or its user or client no longer exists (or the client is disabled)
 * @throws {AuthError} token_expired
 * @throws {AuthError} insufficient_scope when the token, or its subject now, lacks a required scope
 * @throws {AuthError} inactive_user when the user was disabled after the token was issued
 * @example
 * const caller = await authorizeCaller(deps, token, scopes.check(["audit:read"]), ["user", "client"]);
 * const name = caller.kind === "user" ? caller.user.username : caller.client.clientId;
 */
export function authorizeCaller<Kind extends PrincipalKind>(
  deps: AuthorizeCallerDeps,
  token: string,
  required: readonly Scope[],
  accepts: readonly Kind[],
): Awaitable<PrincipalOf<Kind>> {
  const verified = verifyWithKeyRefresh(deps.tokens, token);
  // Only kinds in `accepts` get past `dispatch`, so its principal is one of them.
  return (
    isPending(verified)
      ? verified.then((found) => dispatch(deps, found, required, accepts))
      : dispatch(deps, verified, required, accepts)
  ) as Awaitable<PrincipalOf<Kind>>;
}

function dispatch(
  deps: AuthorizeCallerDeps,
  verified: VerifiedAccessToken,
  required: readonly Scope[],
  accepts: readonly PrincipalKind[],
): Awaitable<Caller> {
  const kind: PrincipalKind = isClientSubject(verified.subject) ? "client" : "user";
  if (!accepts.includes(kind)) {
    throw new AuthError("token_invalid", `the resource does not accept a ${kind}'s token`);
  }
  return kind === "client"
    ? authorizeVerifiedClient(deps, verified, required)
    : authorizeVerifiedUser(deps, verified, required);
}
