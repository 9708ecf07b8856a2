import type { Awaitable } from "./awaitable.ts";
import { isPending } from "./awaitable.ts";
import type { ClientReads, ClientRecord } from "./clients/client.ts";
import { passwordLoginClientId } from "./clients/client-authentication.ts";
import { AuthError } from "./errors.ts";
import type { Scope } from "./scopes.ts";
import { intersectScopes, missingScopes } from "./scopes.ts";
import type { AccessTokenDenylist } from "./tokens/denylist.ts";
import { verifyWithKeyRefresh } from "./tokens/token-verifier.ts";
import type { TokenService } from "./tokens/tokens.ts";
import type { VerifiedAccessToken } from "./tokens/verified-access-token.ts";
import type { User, UserRecord, UserStore } from "./users/user.ts";
import { toUser } from "./users/user.ts";

/** Who is calling, once a token has passed every check: FastAPI's `current_user` plus `SecurityScopes`. */
export interface Principal {
  /** Tells a user apart from a client acting for itself (see `Caller`). */
  readonly kind: "user";
  readonly user: User;
  /** The scopes the token carries that its user still holds. */
  readonly scopes: readonly Scope[];
  readonly token: VerifiedAccessToken;
}

/** What {@link authorize} needs. */
export interface AuthorizeDeps {
  readonly users: UserStore;
  readonly tokens: TokenService;
  /** Consulted on every call: a revoked token is refused at once on every instance. */
  readonly denylist: AccessTokenDenylist;
  /**
   * The client registry. With it, a user's token issued to a registered client (its `client_id`
   * is not the client-less login's) is also checked against that client as it is now: refused
   * once the client is disabled or deleted, and its scopes capped by the client's allowed ones.
   */
  readonly clients?: ClientReads | undefined;
}

/**
 * Tells whether an access token was issued before its user's cut-off. Compared in milliseconds
 * (the token's `iat_ms`), so a login in the same second as a password change still counts as
 * after it, and one just before it as before.
 */
export function isIssuedBeforeCutoff(token: VerifiedAccessToken, user: UserRecord): boolean {
  return user.tokensValidAfter !== null && token.issuedAtMs < user.tokensValidAfter;
}

/**
 * Tells whether an access token predates its user's account: a token of an account deleted and
 * created again under the same name (the subject is the username) is not the new account's.
 * A FastAPI token says nothing reliable of when it was issued, and the users it was issued to
 * were created on import, after it: it is exempt while its migration window is open.
 */
export function isIssuedBeforeAccount(token: VerifiedAccessToken, user: UserRecord): boolean {
  return token.form !== "fastapi" && token.issuedAtMs < user.createdAt;
}

/**
 * The scopes of a token that its user still holds: the user's current scopes cap the token's on
 * every request (the user is loaded anyway), so a scope taken away stops working at once and one
 * given back works again on the same token — no cut-off needed, and no other login is ended.
 */
export function currentScopes(token: VerifiedAccessToken, user: UserRecord): Scope[] {
  return intersectScopes(token.scopes, user.scopes);
}

/**
 * Turns a bearer token into a {@link Principal} allowed to use a resource needing `required`.
 *
 * Checks run in the seed's order: token (a `kid` this instance does not know yet makes it
 * re-read the key set once, rate-limited, so a key rotated in elsewhere is honoured), then user
 * (loaded on every call, so a disabled or deleted user loses access at once, and a token issued
 * before the account was created is refused), then scopes — the token's, capped by the user's
 * current ones — then
 * whether the user is active — with the revocation checks on top: the token's `jti` must not be
 * on the denylist (read together with the user) and the token must not predate the user's cut-off
 * (last, so a disabled user still reads the seed's "Inactive user").
 *
 * Answers at once when it can: a token signed with a known key, checked against stores that
 * answer synchronously (SQLite), gives the principal — or throws — with no promise in between, so
 * a route guard costs its request no turn of the microtask queue; anything else gives a promise.
 * `await` the result (inside a `try` to catch a refusal either way).
 * @throws {AuthError} token_invalid when the token is bad, revoked, issued before the user's
 * cut-off or before the account was created, or its subject no longer exists
 * @throws {AuthError} token_expired
 * @throws {AuthError} insufficient_scope when the token, or its user now, lacks a required scope
 * @throws {AuthError} inactive_user when the user was disabled after the token was issued
 * @example
 * const principal = await authorize({ users, tokens, denylist }, token, scopes.check(["me"]));
 */
export function authorize(
  deps: AuthorizeDeps,
  token: string,
  required: readonly Scope[],
): Awaitable<Principal> {
  const verified = verifyWithKeyRefresh(deps.tokens, token);
  return isPending(verified)
    ? verified.then((found) => authorizeVerifiedUser(deps, found, required))
    : authorizeVerifiedUser(deps, verified, required);
}

/**
 * {@link authorize} for a token already verified: loads its user and the denylist entry and
 * applies every check after the signature's, in the same order.
 * @throws {AuthError} as {@link authorize} does, except token_expired
 */
export function authorizeVerifiedUser(
  deps: AuthorizeDeps,
  verified: VerifiedAccessToken,
  required: readonly Scope[],
): Awaitable<Principal> {
  const record = deps.users.findByUsername(verified.subject);
  const revoked = deps.denylist.isAccessTokenDenied(verified.tokenId);
  const client = issuedToClient(deps, verified);
  if (isPending(record) || isPending(revoked) || isPending(client)) {
    // The reads at once: on a networked database that is one round trip per request, not two.
    return Promise.all([record, revoked, client]).then(([user, denied, issuedTo]) =>
      check(verified, user, denied, required, issuedTo),
    );
  }
  return check(verified, record, revoked, required, client);
}

/** No registered client to check: the client-less login's token, or no registry given. */
const noClient = null;

// The registered client a user's token was issued to, as the registry holds it now (undefined
// when it is gone), or `noClient` when there is none to check.
function issuedToClient(
  deps: AuthorizeDeps,
  verified: VerifiedAccessToken,
): Awaitable<ClientRecord | undefined> | typeof noClient {
  const clientId = verified.clientId;
  if (deps.clients === undefined || clientId === undefined || clientId === passwordLoginClientId) {
    return noClient;
  }
  return deps.clients.findClient(clientId);
}

function check(
  verified: VerifiedAccessToken,
  record: UserRecord | undefined,
  revoked: boolean,
  required: readonly Scope[],
  // Not a default parameter: `undefined` (a deleted client) must not read as no client.
  client: ClientRecord | undefined | typeof noClient,
): Principal {
  if (record === undefined) {
    throw new AuthError("token_invalid", "the token's subject does not exist");
  }
  // Tokens are issued only to registered clients (or to the client-less login), so a client the
  // registry no longer holds was deleted; one registered after the token is another client.
  if (
    client !== noClient &&
    (client === undefined || client.disabled || verified.issuedAtMs < client.createdAt)
  ) {
    throw new AuthError("token_invalid", "the client the token was issued to is disabled or gone");
  }
  if (isIssuedBeforeAccount(verified, record)) {
    throw new AuthError("token_invalid", "the token was issued to an earlier account of this name");
  }
  if (revoked) {
    throw new AuthError("token_invalid", "the token was revoked");
  }
  const scopes =
    client === noClient
      ? currentScopes(verified, record)
      : intersectScopes(currentScopes(verified, record), client.scopes);
  if (missingScopes(scopes, required).length > 0) {
    throw new AuthError("insufficient_scope", "the token lacks a required scope");
  }
  if (record.disabled) {
    throw new AuthError("inactive_user", "the token's subject is disabled");
  }
  if (isIssuedBeforeCutoff(verified, record)) {
    throw new AuthError("token_invalid", "the token was issued before the user's cut-off");
  }
  return { kind: "user", user: toUser(record), scopes, token: verified };
}
