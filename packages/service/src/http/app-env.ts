import type { Principal } from "gatehouse-auth-core/authorize";
import type { Scope } from "gatehouse-auth-core/scopes";

/** Hono's typing for Gatehouse routes: what middleware puts on the context. */
export interface AppEnv {
  Variables: {
    /** Set by a scope guard once the bearer token passed every check. */
    principal: Principal;
    /** Set by a scope guard: the scopes its route requires, for the `WWW-Authenticate` challenge. */
    requiredScopes: readonly Scope[];
  };
}
