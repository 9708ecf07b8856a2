// Scope guards: FastAPI's `Security(dependency, scopes=[…])` chain, enforced on the bearer token.
import type { Principal } from "gatehouse-auth-core/authorize";
import { authorize } from "gatehouse-auth-core/authorize";
import type {
  AuthorizeCallerDeps,
  Caller,
  PrincipalKind,
  PrincipalOf,
} from "gatehouse-auth-core/authorize-caller";
import { authorizeCaller } from "gatehouse-auth-core/authorize-caller";
import type { Awaitable } from "gatehouse-auth-core/awaitable";
import { isPending } from "gatehouse-auth-core/awaitable";
import { AuthError } from "gatehouse-auth-core/errors";
import { parseAuthorizationHeader } from "gatehouse-auth-core/protocol/authorization-header";
import type { Scope, ScopeCatalogue } from "gatehouse-auth-core/scopes";
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { requestHeader } from "./node-bindings.ts";

/** The name of the OAuth2 security scheme in the OpenAPI document. */
export const securitySchemeName = "OAuth2PasswordBearer";

/** What a guard checks a bearer token against, and the catalogue its scope names come from. */
export interface GuardDeps extends AuthorizeCallerDeps {
  readonly scopes: ScopeCatalogue;
}

/**
 * A set of required scopes, built from the scopes it names plus those of the guards it uses —
 * FastAPI's `Security(dependency, scopes=[…])` chain, aggregated like `SecurityScopes` — and the
 * check that enforces them. A route declared with a guard documents the same scopes as its
 * OpenAPI security requirement (see `route`), so enforcement and documentation cannot drift.
 * `Guarded` is the principal it puts on the context: a user unless it accepts clients.
 */
export interface Guard<Guarded extends Caller = Principal> {
  readonly scopes: readonly Scope[];
  /** The kinds of principal the guard accepts; `["user"]` unless declared otherwise. */
  readonly principals: readonly PrincipalKind[];
  /**
   * Checks the request's bearer token, puts the principal on the context and runs `handler`;
   * throws (or rejects with) the {@link AuthError} that refused the token. When the stores answer
   * at once, so does this: a protected route then answers without waiting on a promise, which its
   * throughput depends on (issue 6 profile).
   */
  protect(
    c: Context<AppEnv>,
    handler: (c: Context<AppEnv<Guarded>>) => Response | Promise<Response>,
  ): Response | Promise<Response>;
}

/** A guard of any principal, as a guard that uses it sees it. */
type AnyGuard = Guard<Principal> | Guard<Caller>;

/** A guard declared with options: which principals it accepts besides its scopes. */
export interface GuardDeclaration<Kind extends PrincipalKind> {
  /** The scopes the guard requires itself. */
  readonly scopes: readonly string[];
  /** Guards whose scopes it requires too, and whose principal kinds it is limited to. */
  readonly uses?: readonly AnyGuard[];
  /**
   * Who may call: `["user"]` (the default), `["user", "client"]`, or `["client"]` — a client
   * acting for itself with a `client_credentials` token (subject `client:<client_id>`). A token
   * of a kind not accepted is refused `401 invalid_token`, like one whose subject does not exist.
   */
  readonly principals?: readonly Kind[];
}

/**
 * Declares a guard needing `names` plus every scope of `uses`, accepting users only. The check
 * reads only the `Authorization` header — never a query string or body (RFC 9700 §2.5).
 * @throws {AuthError} invalid_scope when a name is not in the catalogue (a programming error at startup)
 * @example
 * const currentUser = defineGuard(deps, ["me"]);
 * const ownItems = defineGuard(deps, ["items"], currentUser); // needs "me items"
 */
export function defineGuard(
  deps: GuardDeps,
  names: readonly string[],
  ...uses: readonly AnyGuard[]
): Guard;
/**
 * Declares a guard from a {@link GuardDeclaration}: its scopes, the guards it uses and the kinds
 * of principal it accepts (only kinds every used guard accepts too). A guard accepting clients
 * loads the client on every request: a disabled or deleted client is refused, and only the scopes
 * the client is still allowed count.
 * @throws {AuthError} invalid_scope when a name is not in the catalogue (a programming error at startup)
 * @throws {TypeError} when no kind of principal is left to accept (a programming error at startup)
 * @example
 * const auditReader = defineGuard(deps, { scopes: ["audit:read"], principals: ["user", "client"] });
 */
export function defineGuard<Kind extends PrincipalKind = "user">(
  deps: GuardDeps,
  declaration: GuardDeclaration<Kind>,
): Guard<PrincipalOf<Kind>>;
export function defineGuard<Kind extends PrincipalKind>(
  deps: GuardDeps,
  namesOrDeclaration: readonly string[] | GuardDeclaration<Kind>,
  ...listedUses: readonly AnyGuard[]
): Guard | Guard<PrincipalOf<Kind>> {
  const declaration: GuardDeclaration<PrincipalKind> = isNameList(namesOrDeclaration)
    ? { scopes: namesOrDeclaration, uses: listedUses }
    : namesOrDeclaration;
  const uses = declaration.uses ?? [];
  const inherited = uses.flatMap((guard) => guard.scopes);
  const scopes = deps.scopes.check([...inherited, ...declaration.scopes]);
  const principals = (declaration.principals ?? userOnly).filter((kind) =>
    uses.every((guard) => guard.principals.includes(kind)),
  );
  if (principals.length === 0) throw new TypeError("the guard accepts no kind of principal");
  // Users only (the hot path, /users/me/): authorize directly, with no dispatch on the subject.
  const check =
    principals.length === 1 && principals[0] === "user"
      ? (token: string): Awaitable<Caller> => authorize(deps, token, scopes)
      : (token: string): Awaitable<Caller> => authorizeCaller(deps, token, scopes, principals);
  const guard: Guard<Caller> = Object.freeze({
    scopes,
    principals: Object.freeze(principals),
    protect(
      c: Context<AppEnv>,
      handler: (c: Context<AppEnv<Caller>>) => Response | Promise<Response>,
    ) {
      // The principal set below is of a kind this guard accepts, as the handler's type says.
      const guarded = c as Context<AppEnv<Caller>>;
      guarded.set("requiredScopes", scopes);
      const header = parseAuthorizationHeader(requestHeader(c, "authorization"));
      switch (header.kind) {
        case "missing":
        case "other-scheme":
          throw new AuthError("token_missing", "no bearer credentials");
        case "malformed":
          throw new AuthError("token_invalid", "bearer token is not a b64token");
        case "bearer": {
          const principal = check(header.token);
          // A promise only when a store or the key set answers later (PostgreSQL, an unknown kid).
          if (isPending(principal)) {
            return principal.then((found) => {
              guarded.set("principal", found);
              return handler(guarded);
            });
          }
          guarded.set("principal", principal);
          return handler(guarded);
        }
        default: {
          const unreachable: never = header;
          throw new TypeError(`unhandled header kind ${String(unreachable)}`);
        }
      }
    },
  });
  // The check accepts only the declared kinds, so the principal it sets is a PrincipalOf<Kind>.
  return guard as unknown as Guard<PrincipalOf<Kind>>;
}

const userOnly: readonly PrincipalKind[] = ["user"];

function isNameList(
  value: readonly string[] | GuardDeclaration<PrincipalKind>,
): value is readonly string[] {
  return Array.isArray(value);
}
