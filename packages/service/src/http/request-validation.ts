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

function toIssue(part: RequestPart, data: unknown, issue: z.core.$ZodIssue): ValidationIssue {
  const path = issue.path.filter((key): key is string | number => typeof key !== "symbol");
  const input = valueAt(data, path);
  const missing = issue.code === "invalid_type" && input === undefined;
  const secret = path.some((key) => typeof key === "string" && secretField.test(key));
  return {
    type: missing ? "missing" : (pydanticTypes[issue.code] ?? issue.code),
    loc: [part, ...path],
    msg: missing ? "Field required" : issue.message,
    // A whole object (path []) may hold a password, so only leaf values are echoed.
    input: secret || missing || path.length === 0 ? null : input,
  };
}

/** Checks `data` against `schema`, naming each failure FastAPI's way (`loc: [part, …path]`). */
export function validatePart<Schema extends z.ZodType>(
  part: RequestPart,
  schema: Schema,
  data: unknown,
): PartResult<z.output<Schema>> {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: result.error.issues.map((issue) => toIssue(part, data, issue)) };
}

/** Parses a JSON request body, answering like FastAPI when it is not JSON. */
export function parseJsonBody(text: string): PartResult<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return {
      ok: false,
      issues: [{ type: "json_invalid", loc: ["body"], msg: "JSON decode error", input: null }],
    };
  }
}
