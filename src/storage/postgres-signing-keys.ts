// Signing keys on PostgreSQL: the SigningKeyStore part of the PostgreSQL store.
import { z } from "zod";
import type { SigningKeyRecord, SigningKeyStore } from "../core/signing-keys.ts";
import type { PostgresPool } from "./postgres-pool.ts";
import { bigintNumber, parseRow } from "./postgres-rows.ts";

const signingKeyRow = z.object({
  kid: z.string(),
  algorithm: z.literal("HS256"),
  secret: z.string(),
  created_at: bigintNumber,
});

/** The signing-key part of the PostgreSQL store. */
export function createPostgresSigningKeys(db: PostgresPool): SigningKeyStore {
  return {
    async ensureSigningKey(candidate: SigningKeyRecord): Promise<SigningKeyRecord> {
      const key = await db.transaction(async (tx) => {
        // "Insert if the table is empty" is two steps; the lock makes instances that start at
        // once take them one after the other, so they all end up with the first instance's key.
        await tx.rows("SELECT pg_advisory_xact_lock(hashtext('gatehouse signing keys'))");
        await tx.run(
          `INSERT INTO signing_keys (kid, algorithm, secret, created_at)
           SELECT $1::text, $2::text, $3::text, $4::bigint
           WHERE NOT EXISTS (SELECT 1 FROM signing_keys)`,
          [candidate.kid, candidate.algorithm, candidate.secret, candidate.createdAt],
        );
        const [row] = await tx.rows(
          "SELECT kid, algorithm, secret, created_at FROM signing_keys ORDER BY created_at, kid LIMIT 1",
        );
        return parseRow(signingKeyRow, row, "signing_keys");
      });
      return {
        kid: key.kid,
        algorithm: key.algorithm,
        secret: key.secret,
        createdAt: key.created_at,
      };
    },
  };
}
