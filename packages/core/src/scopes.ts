// Scope names, the catalogue that declares them, and the rules for parsing and comparing them.
import type { Checked } from "./brand.ts";
import { AuthError } from "./errors.ts";

/** A scope name that is in the catalogue; made only by a {@link ScopeCatalogue}. */
export type Scope = Checked<string, "Scope">;

/** The declared scopes with their human descriptions (shown in the docs' Authorize dialog). */
export interface ScopeCatalogue {
  /** Every scope, in declaration order. */
  readonly all: readonly Scope[];
  /** Scope name → description, for OpenAPI. */
  readonly descriptions: Readonly<Record<string, string>>;
  /** Tells whether `name` is a declared scope. */
  has(name: string): name is Scope;
  /**
   * Parses a space-separated `scope` parameter (RFC 6749 §3.3) into catalogue scopes, dropping
   * duplicates and keeping first-seen order.
   * @throws {AuthError} invalid_scope when a name is not in the catalogue or breaks the grammar
   */
  parse(raw: string): readonly Scope[];
  /**
   * Checks a list of names (e.g. a user's allowed scopes) against the catalogue.
   * @throws {AuthError} invalid_scope when a name is not declared
   */
  check(names: readonly string[]): readonly Scope[];
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
const scopeToken = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Tells whether `name` is one RFC 6749 §3.3 scope-token: no space, quote, backslash or control. */
export function isScopeToken(name: string): boolean {
  return scopeToken.test(name);
}

/**
 * Builds the scope catalogue from `{ name: description }`.
 * @throws {TypeError} when a name is not a valid RFC 6749 scope-token
 * @example
 * const scopes = createScopeCatalogue({ me: "Read information about the current user.", items: "Read items." });
 */
export function createScopeCatalogue(entries: Readonly<Record<string, string>>): ScopeCatalogue {
  const names = Object.keys(entries);
  for (const name of names) {
    if (!scopeToken.test(name)) throw new TypeError(`invalid scope name in catalogue: ${name}`);
  }
  const known = new Set(names);
  const has = (name: string): name is Scope => known.has(name);
  const check = (list: readonly string[]): readonly Scope[] => {
    const out: Scope[] = [];
    for (const name of list) {
      if (!has(name)) throw new AuthError("invalid_scope", "scope is not in the catalogue");
      if (!out.includes(name)) out.push(name);
    }
    return Object.freeze(out);
  };
  return Object.freeze({
    all: Object.freeze(names.filter(has)),
    descriptions: Object.freeze({ ...entries }),
    has,
    check,
    parse(raw: string): readonly Scope[] {
      // Only SP separates scope tokens; tabs, newlines and control characters are not allowed.
      const parts = raw.split(" ").filter((part) => part !== "");
      for (const part of parts) {
        if (!scopeToken.test(part)) throw new AuthError("invalid_scope", "malformed scope");
      }
      return check(parts);
    },
  });
}

/** The seed's scopes: FastAPI's OAuth2 scopes tutorial, word for word. */
export const seedScopeDescriptions = {
  me: "Read information about the current user.",
  items: "Read items.",
} as const;

/**
 * Gatehouse's catalogue: the seed's scopes plus `introspect`, which lets a resource server ask
 * `/introspect` about tokens, `events:read`, which lets it follow revocations at
 * `/security-events`, and the administration API's scopes. No user holds these unless an
 * operator grants them.
 */
export const gatehouseScopeDescriptions = {
  ...seedScopeDescriptions,
  introspect: "Introspect tokens on behalf of resource servers.",
  "users:read": "Read user accounts.",
  "users:write": "Create, change and delete user accounts.",
  "audit:read": "Read the audit trail.",
  "clients:read": "Read registered OAuth clients.",
  "clients:write": "Register, change, disable and delete OAuth clients and rotate their secrets.",
  "events:read":
    "Read the stream of security events (revocations, account changes) at /security-events, for resource servers.",
} as const;

/** Joins scopes for the wire: space-separated, as `scope` is spelled in RFC 6749 and RFC 9068. */
export function formatScopes(scopes: readonly Scope[]): string {
  return scopes.join(" ");
}

// Both run on every guarded request. Scope lists are a handful of names (a catalogue's worth at
// most), so a linear `includes` is cheaper than building a Set for each call.

/** The scopes of `required` that `granted` lacks, in `required`'s order. */
export function missingScopes(granted: readonly Scope[], required: readonly Scope[]): Scope[] {
  return required.filter((scope) => !granted.includes(scope));
}

/** The scopes of `requested` that `allowed` also holds, in `requested`'s order. */
export function intersectScopes(requested: readonly Scope[], allowed: readonly string[]): Scope[] {
  return requested.filter((scope) => allowed.includes(scope));
}
