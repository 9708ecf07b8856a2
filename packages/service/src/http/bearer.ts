// Scope guards: FastAPI's `Security(dependency, scopes=[…])` chain, enforced on the bearer token.
import type { AuthorizeDeps } from "gatehouse-auth-core/authorize";
import { authorize } from "gatehouse-auth-core/authorize";
import { AuthError } from "gatehouse-auth-core/errors";
import { parseAuthorizationHeader } from "gatehouse-auth-core/protocol/authorization-header";
import type { Scope, ScopeCatalogue } from "gatehouse-auth-core/scopes";
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import { requestHeader } from "./node-bindings.ts";

/** The name of the OAuth2 security scheme in the OpenAPI document. */
export const securitySchemeName = "OAuth2PasswordBearer";

/** What a guard checks a bearer token against, and the catalogue its scope names come from. */
export interface GuardDeps extends AuthorizeDeps {
  readonly scopes: ScopeCatalogue;
}

/**
 * A set of required scopes, built from the scopes it names plus those of the guards it uses —
 * FastAPI's `Security(dependency, scopes=[…])` chain, aggregated like `SecurityScopes` — and the
 * check that enforces them. A route declared with a guard documents the same scopes as its
 * OpenAPI security requirement (see `route`), so enforcement and documentation cannot drift.
 */
export interface Guard {
  readonly scopes: readonly Scope[];
  /**
   * Checks the request's bearer token, puts the {@link Principal} on the context and runs
   * `handler`; throws (or rejects with) the {@link AuthError} that refused the token. When the
   * stores answer at once, so does this: a protected route then answers without waiting on a
   * promise, which its throughput depends on (issue 6 profile).
   */
  protect(
    c: Context<AppEnv>,
    handler: (c: Context<AppEnv>) => Response | Promise<Response>,
  ): Response | Promise<Response>;
}

/**
 * Declares a guard needing `names` plus every scope of `uses`. The check reads only the
 * `Authorization` header — never a query string or body (RFC 9700 §2.5).
 * @throws {AuthError} invalid_scope when a name is not in the catalogue (a programming error at startup)
 * @example
 * const currentUser = defineGuard(deps, ["me"]);
 * const ownItems = defineGuard(deps, ["items"], currentUser); // needs "me items"
 */
export function defineGuard(
  deps: GuardDeps,
  names: readonly string[],
  ...uses: readonly Guard[]
): Guard {
  const inherited = uses.flatMap((guard) => guard.scopes);
  const scopes = deps.scopes.check([...inherited, ...names]);
  return Object.freeze({
    scopes,
    protect(c: Context<AppEnv>, handler: (c: Context<AppEnv>) => Response | Promise<Response>) {
      c.set("requiredScopes", scopes);
      const header = parseAuthorizationHeader(requestHeader(c, "authorization"));
      switch (header.kind) {
        case "missing":
        case "other-scheme":
          throw new AuthError("token_missing", "no bearer credentials");
        case "malformed":
          throw new AuthError("token_invalid", "bearer token is not a b64token");
        case "bearer": {
          const principal = authorize(deps, header.token, scopes);
          // A promise only when a store or the key set answers later (PostgreSQL, an unknown kid).
          if (principal instanceof Promise) {
            return principal.then((found) => {
              c.set("principal", found);
              return handler(c);
            });
          }
          c.set("principal", principal);
          return handler(c);
        }
        default: {
          const unreachable: never = header;
          throw new TypeError(`unhandled header kind ${String(unreachable)}`);
        }
      }
    },
  });
}
