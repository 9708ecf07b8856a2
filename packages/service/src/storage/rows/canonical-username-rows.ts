// Reading the canonical-username queries the same way in every SQL adapter.
import type { UserRecord } from "gatehouse-auth-core/users/user";
import { z } from "zod";
import { parseRow } from "./parse-row.ts";

const collisionRow = z.object({ canonical_username: z.string(), username: z.string() });

/**
 * The user a login as `name` reaches, from the (at most two) users sharing its canonical form,
 * the one named exactly `name` first: that one, else the only one; none when an old collision
 * leaves two and neither is named exactly `name`.
 */
export function pickLoginUser(
  name: string,
  [first, second]: readonly UserRecord[],
): UserRecord | undefined {
  if (first === undefined) return undefined;
  return first.username === name || second === undefined ? first : undefined;
}

/**
 * Groups rows of `canonical_username, username`, ordered by both, into lists of the usernames
 * sharing one canonical form.
 * @throws {TypeError} when a row breaks its schema
 */
export function groupCaseCollisions(rows: readonly unknown[]): readonly (readonly string[])[] {
  const groups = new Map<string, string[]>();
  for (const row of rows) {
    const { canonical_username: key, username } = parseRow(collisionRow, row, "users");
    const group = groups.get(key) ?? [];
    group.push(username);
    groups.set(key, group);
  }
  return [...groups.values()];
}
