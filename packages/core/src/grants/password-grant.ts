import { AuthError } from "../errors.ts";
import type { Scope, ScopeCatalogue } from "../scopes.ts";
import { intersectScopes } from "../scopes.ts";
import type { RefreshFamilyDeps, RefreshToken } from "../tokens/refresh-tokens.ts";
import { startRefreshFamily } from "../tokens/refresh-tokens.ts";
import type { IssuedAccessToken, TokenService } from "../tokens/tokens.ts";
import type { AuthenticateDeps } from "../users/authenticate.ts";
import { authenticate } from "../users/authenticate.ts";
import type { UserRecord } from "../users/user.ts";
import type { DeviceProofs } from "./device-proof.ts";
import type { LoginThrottle } from "./throttle.ts";

/** What {@link passwordGrant} needs. */
export interface PasswordGrantDeps extends AuthenticateDeps {
  readonly tokens: TokenService;
  readonly scopes: ScopeCatalogue;
  /** When given, every login also starts a refresh token family. */
  readonly refresh?: RefreshFamilyDeps;
  /**
   * Brute-force protection, which RFC 6749 §4.3.2 requires of a token endpoint offering this
   * grant; leave it out only where the caller throttles logins itself.
   */
  readonly throttle?: LoginThrottle;
  /**
   * Device proofs: a login presenting a valid one is judged by its device's counter, not by a
   * lock others set on the account, and every successful login is given one.
   */
  readonly deviceProofs?: DeviceProofs;
}

/** What a grant issues: an access token, and a refresh token when refresh tokens are on. */
export interface IssuedTokens extends IssuedAccessToken {
  readonly refreshToken?: RefreshToken;
  /** A device proof for the next logins of this device, when device proofs are on. */
  readonly deviceProof?: string;
}

/** A password grant request (RFC 6749 §4.3.2) after its form was parsed. */
export interface PasswordGrantRequest {
  readonly username: string;
  readonly password: string;
  /** Parsed `scope`; `undefined` when the client asked for none. */
  readonly scopes: readonly Scope[] | undefined;
  /** The client's address, for the per-address counter; `undefined` when unknown. */
  readonly clientAddress?: string | undefined;
  /** The authenticated client, written as `client_id`; the service's default when absent. */
  readonly clientId?: string | undefined;
  /** The client's own audiences for `aud`; the service's audience when absent or empty. */
  readonly audiences?: readonly string[] | undefined;
  /** The device proof the client presented, if any; one not valid for `username` is ignored. */
  readonly deviceProof?: string | undefined;
}

/**
 * The resource owner password credentials grant: authenticates the user and issues an access
 * token for the scopes they asked for and are allowed. Asking for nothing grants every scope the
 * user is allowed (RFC 6749 §3.3 default); asking for a scope the user may not have drops it from
 * the grant, and the response's `scope` says what was granted. With `deps.refresh`, the login
 * also starts a refresh token family carrying the granted scopes.
 * With a throttle, the attempt reserves a place before any password work, and a locked account
 * or address is refused without a lookup or a hash — the same for existing and unknown users.
 * Parallel logins to one account run only as many checks at once as failures are left, so
 * they get no more checks than the same logins one by one, and right ones never lock it. With
 * device proofs, a valid `deviceProof` has the login judged by its device's counter.
 * A login that a password change, a disable, a deletion or a "log out everywhere" overtook while
 * it ran is refused, as the account's new state would refuse it.
 * @throws {AuthError} invalid_credentials, inactive_user, hasher_busy (see {@link authenticate})
 * @throws {AuthError} throttled while the account or the client address is locked
 * @example
 * const issued = await passwordGrant(deps, { username: "johndoe", password: "secret", scopes: undefined });
 */
export async function passwordGrant(
  deps: PasswordGrantDeps,
  request: PasswordGrantRequest,
): Promise<IssuedTokens> {
  const check = () => authenticate(deps, request.username, request.password);
  const device =
    request.deviceProof === undefined
      ? undefined
      : deps.deviceProofs?.check(request.deviceProof, request.username);
  const user =
    deps.throttle === undefined
      ? await check()
      : await deps.throttle.attempt(request.username, request.clientAddress, check, device);
  const requested = request.scopes ?? deps.scopes.all;
  const granted = intersectScopes(requested, user.scopes);
  const issuedAtMs = deps.refresh?.clock.now();
  // Login racing a cut-off (user-lifecycle.ts writes the cut-off, revokes the families, then
  // places the cut-off past the latest family token it reads). The family is stored first, and
  // the account read again after that write: if the read does not see the cut-off, the cut-off
  // was written after the family, so its revocation and its read of the latest token both see
  // the family, and the cut-off lands past `issuedAtMs`, which stamps both tokens; if it does,
  // the login is refused. Whichever commits second sees the other, by the order of the store's
  // writes and reads alone, not by comparing clocks, so it holds across instances whose clocks
  // differ. It costs one read by primary key per login (answered at once by SQLite). Without
  // refresh tokens the login writes nothing a cut-off could see: the read still refuses a login
  // overtaken before it, but an access token issued while a cut-off is being written (or on an
  // instance whose clock runs ahead) may carry an `iat` past it.
  const refreshToken =
    deps.refresh === undefined || issuedAtMs === undefined
      ? undefined
      : await startRefreshFamily(
          deps.refresh,
          { username: user.username, scopes: granted, clientId: request.clientId ?? null },
          issuedAtMs,
        );
  const refusal = overtaken(user, await deps.users.findByUsername(user.username));
  // A refused login's family is left as it is: its token never leaves this function.
  if (refusal !== undefined) throw refusal;
  const issued = deps.tokens.issue(user.username, granted, {
    clientId: request.clientId,
    audiences: request.audiences,
    issuedAtMs,
  });
  const deviceProof = deps.deviceProofs?.issue(request.username, device);
  return {
    ...issued,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(deviceProof === undefined ? {} : { deviceProof }),
  };
}

/**
 * Why a login that checked the password against `checked` must be refused, given the account as
 * read again after the login stored its family: the account is gone or was created again
 * (invalid_credentials), disabled (inactive_user), or its cut-off moved — a password change, a
 * disable or a "log out everywhere" (invalid_credentials, as the seed answers a stale password;
 * a client logging in again gets tokens). `undefined` when nothing changed.
 */
function overtaken(checked: UserRecord, current: UserRecord | undefined): AuthError | undefined {
  if (current === undefined || current.createdAt !== checked.createdAt) {
    return new AuthError("invalid_credentials", "the user was deleted while logging in");
  }
  if (current.disabled) {
    return new AuthError("inactive_user", "the user was disabled while logging in");
  }
  if (current.tokensValidAfter !== checked.tokensValidAfter) {
    return new AuthError(
      "invalid_credentials",
      "the user's tokens were taken back while logging in",
    );
  }
  return undefined;
}
