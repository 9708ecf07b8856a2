// Turning zod failures on path, query and JSON body into FastAPI's 422 validation items.
import type { z } from "@hono/zod-openapi";
import type { ValidationIssue } from "gatehouse-auth-core/protocol/error-responses";

/** Where a request value came from, as FastAPI spells it in `loc`. */
export type RequestPart = "path" | "query" | "body";

/** The outcome of checking one request part. */
export type PartResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

// zod's codes that pydantic spells otherwise; the rest keep zod's name.
const pydanticTypes: Readonly<Record<string, string>> = {
  custom: "value_error",
  invalid_format: "value_error",
};

// Fields whose values are never echoed back, even when they are what failed.
const secretField = /password|secret|token/i;

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = data;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

const isSecret = (path: readonly (string | number)[]): boolean =>
  path.some((key) => typeof key === "string" && secretField.test(key));

function toIssue(part: RequestPart, data: unknown, issue: z.core.$ZodIssue): ValidationIssue {
  const path = issue.path.filter((key): key is string | number => typeof key !== "symbol");
  const input = valueAt(data, path);
  const missing = issue.code === "invalid_type" && input === undefined;
  return {
    type: missing ? "missing" : (pydanticTypes[issue.code] ?? issue.code),
    loc: [part, ...path],
    msg: missing ? "Field required" : issue.message,
    // A whole object (path []) may hold a password, so only leaf values are echoed.
    input: isSecret(path) || missing || path.length === 0 ? null : input,
  };
}

/**
 * Every string (value or key) in `data` holding a NUL character. No store can keep one:
 * PostgreSQL's text refuses it with an error, so it is refused here, at the edge, for every
 * route alike. Walked with a stack rather than recursion; a JSON body is depth-bounded already.
 */
function nulIssues(part: RequestPart, data: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const pending: { readonly value: unknown; readonly path: readonly (string | number)[] }[] = [
    { value: data, path: [] },
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value === "string") {
      if (!value.includes("\u0000")) continue;
      issues.push({
        type: "value_error",
        loc: [part, ...path],
        msg: "Value must not contain a NUL character",
        input: isSecret(path) ? null : value,
      });
    } else if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => {
        pending.push({ value: item, path: [...path, index] });
      });
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes("\u0000")) pending.push({ value: key, path: [...path, key] });
        else pending.push({ value: item, path: [...path, key] });
      }
    }
  }
  return issues;
}

/**
 * Checks `data` against `schema`, naming each failure FastAPI's way (`loc: [part, …path]`). A
 * string holding a NUL character is refused whatever the schema says, in the schema's stead at
 * its place.
 */
export function validatePart<Schema extends z.ZodType>(
  part: RequestPart,
  schema: Schema,
  data: unknown,
): PartResult<z.output<Schema>> {
  const nul = nulIssues(part, data);
  const result = schema.safeParse(data);
  if (result.success && nul.length === 0) return { ok: true, value: result.data };
  const refused = new Set(nul.map((issue) => issue.loc.join("\u0000")));
  const issues = result.success
    ? []
    : result.error.issues
        .map((issue) => toIssue(part, data, issue))
        .filter((issue) => !refused.has(issue.loc.join("\u0000")));
  return { ok: false, issues: [...nul, ...issues] };
}

/**
 * How deeply a JSON body may nest arrays and objects. No request of this API nests past three; a
 * bound stops a body of thousands of `[` from exhausting the stack when the answer is written.
 */
export const maxJsonDepth = 32;

/** Whether `text` opens more than {@link maxJsonDepth} arrays or objects at once, strings aside. */
function nestsTooDeep(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c)
        i++; // a backslash escapes the next character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) {
      if (++depth > maxJsonDepth) return true;
    } else if (char === 0x5d || char === 0x7d) depth--;
  }
  return false;
}

/**
 * Parses a JSON request body, answering like FastAPI (422 `json_invalid`) when it is not JSON or
 * nests deeper than {@link maxJsonDepth}, which is checked first by a scan that does not recurse.
 */
export function parseJsonBody(text: string): PartResult<unknown> {
  if (nestsTooDeep(text)) {
    return {
      ok: false,
      issues: [
        {
          type: "json_invalid",
          loc: ["body"],
          msg: `JSON nested deeper than ${maxJsonDepth} levels`,
          input: null,
        },
      ],
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return {
      ok: false,
      issues: [{ type: "json_invalid", loc: ["body"], msg: "JSON decode error", input: null }],
    };
  }
}
