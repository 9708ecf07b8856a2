// Every store refuses a string holding a NUL character the same way, before its adapter sees it.
import { AuthError } from "gatehouse-auth-core/errors";

const nul = "\u0000";

// Records the ports take are a few levels deep (a seed's users, an audit event's details); a
// value nested deeper than this is refused rather than walked, so no input can exhaust the stack.
const maxDepth = 16;

// Where in `value` a string (or a key) holds a NUL, as `.field[2]`; `""` for `value` itself;
// `undefined` when nowhere. Typed arrays and other binary values are not text and are let through.
function nulPath(value: unknown, depth: number): string | undefined {
  if (typeof value === "string") return value.includes(nul) ? "" : undefined;
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return undefined;
  if (depth >= maxDepth) return " (nested too deep to check)";
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const inner = nulPath(value[index], depth + 1);
      if (inner !== undefined) return `[${index}]${inner}`;
    }
    return undefined;
  }
  for (const [key, field] of Object.entries(value)) {
    if (key.includes(nul)) return "[a key]";
    const inner = nulPath(field, depth + 1);
    if (inner !== undefined) return `.${key}${inner}`;
  }
  return undefined;
}

function guardMethod(
  label: string,
  method: (...args: unknown[]) => unknown,
  port: object,
): (...args: unknown[]) => unknown {
  return (...args: unknown[]): unknown => {
    for (let index = 0; index < args.length; index++) {
      const at = nulPath(args[index], 0);
      if (at !== undefined) {
        // Names the method and the field, never the value, which may be a secret.
        const error = new AuthError(
          "invalid_input",
          `${label}: argument ${index + 1}${at} holds a NUL character, which no store can keep`,
        );
        // Every port method answers through a promise (or an Awaitable), so a refusal does too.
        return Promise.reject(error);
      }
    }
    return Reflect.apply(method, port, args);
  };
}

function guardPort(name: string, port: object): object {
  const guarded: Record<string, unknown> = {};
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(port))) {
    if (descriptor.get !== undefined || descriptor.set !== undefined) {
      // An accessor keeps reading the port itself, never a copy taken here.
      Object.defineProperty(guarded, key, {
        enumerable: descriptor.enumerable ?? true,
        get: () => Reflect.get(port, key),
      });
    } else if (typeof descriptor.value === "function") {
      guarded[key] = guardMethod(`${name}.${key}`, descriptor.value, port);
    } else {
      guarded[key] = descriptor.value;
    }
  }
  return guarded;
}

/**
 * The same store (a `Store`, or any record of ports), with every method of every port refusing a
 * string argument that holds a NUL character (U+0000) anywhere — in a username, client id, token id, scope, name, audit detail,
 * key or nested record — with `AuthError` `invalid_input`, before the adapter runs. PostgreSQL's
 * `text` and `jsonb` cannot hold one (the driver fails with "invalid byte sequence"); SQLite and
 * memory could, so all three refuse alike and a caller sees one behaviour whatever the store. The
 * methods otherwise answer as before, a synchronous answer (SQLite's user lookup) staying one.
 * Members that are not port objects (`close`, `poolStats`) are kept as they are.
 */
export function refuseNulCharacters<S extends object>(store: S): S {
  const guarded: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(store)) {
    guarded[name] =
      typeof member === "object" && member !== null ? guardPort(name, member) : member;
  }
  // Every own member of `store` is copied above, each port replaced by one with the same methods
  // taking the same arguments and answering the same way, so the result has the shape of S.
  return guarded as S;
}
