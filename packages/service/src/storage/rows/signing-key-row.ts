// A signing_keys row as both SQL adapters read it, and its translation to a SigningKeyRecord.

import type { SigningKeyRecord } from "gatehouse-auth-core/keys/signing-keys";
import { signingAlgorithms } from "gatehouse-auth-core/keys/signing-keys";
import { z } from "zod";

/** The columns every signing-key query selects and inserts, in this order. */
export const signingKeyColumns =
  "kid, algorithm, secret, public_jwk, created_at, activated_at, retires_at";

/**
 * Makes the reader of signing_keys rows for one driver: `integer` parses its whole numbers
 * (numbers from node:sqlite, BIGINT strings from pg). The reader throws a `TypeError` for a
 * malformed row — a foreign writer or a missed migration — whose message never holds the secret.
 */
export function createSigningKeyReader(
  integer: z.ZodType<number>,
): (row: unknown) => SigningKeyRecord {
  const schema = z.object({
    kid: z.string().min(1),
    algorithm: z.enum(signingAlgorithms),
    secret: z.string().min(1),
    public_jwk: z.string().nullable(),
    created_at: integer,
    activated_at: integer,
    retires_at: integer.nullable(),
  });
  return (row) => {
    const result = schema.safeParse(row);
    if (!result.success) throw new TypeError("malformed row in signing_keys");
    const key = result.data;
    return {
      kid: key.kid,
      algorithm: key.algorithm,
      secret: key.secret,
      publicJwk: key.public_jwk,
      createdAt: key.created_at,
      activatedAt: key.activated_at,
      retiresAt: key.retires_at,
    };
  };
}
