// Reading PostgreSQL rows and errors: the schema of what pg returns for BIGINT, and SQLSTATE codes.
import { z } from "zod";

/**
 * A BIGINT column holding milliseconds since the epoch (or a count). pg returns BIGINT as a
 * string, since it may exceed a double; every value Gatehouse writes is a safe integer.
 */
export const bigintNumber = z
  .string()
  .regex(/^-?\d+$/)
  .transform(Number)
  .pipe(z.number().int());

/** SQLSTATE codes (PostgreSQL manual, appendix A) the adapters translate. */
export const sqlState = {
  uniqueViolation: "23505",
  foreignKeyViolation: "23503",
} as const;

/** The SQLSTATE of a driver error, when it carries one. */
export function sqlStateOf(error: unknown): string | undefined {
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    return error.code;
  }
  return undefined;
}
