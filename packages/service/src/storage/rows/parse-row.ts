// Checking a row a driver returned against its schema, for every SQL adapter.
import type { z } from "zod";

/**
 * Checks one row against its schema.
 * @throws {TypeError} when the row breaks it: a foreign writer or a missed migration, a
 * configuration error rather than an expected failure
 */
export function parseRow<Schema extends z.ZodType>(
  schema: Schema,
  row: unknown,
  table: string,
): z.output<Schema> {
  const result = schema.safeParse(row);
  if (!result.success) throw new TypeError(`malformed row in ${table}`, { cause: result.error });
  return result.data;
}
