import type { Principal } from "gatehouse-auth-core/authorize";
import type { Caller } from "gatehouse-auth-core/authorize-caller";
import type { Scope } from "gatehouse-auth-core/scopes";

/**
 * Hono's typing for Gatehouse routes: what middleware puts on the context. `Guarded` is the
 * principal the route's guard accepts: a user by default, `Caller` for a route that also accepts
 * clients (see `defineGuard`'s `principals`).
 */
export interface AppEnv<Guarded extends Caller = Principal> {
  Variables: {
    /** Set by a scope guard once the bearer token passed every check. */
    principal: Guarded;
    /** Set by a scope guard: the scopes its route requires, for the `WWW-Authenticate` challenge. */
    requiredScopes: readonly Scope[];
  };
}
