// Signing keys on PostgreSQL: keys, their activation and retirement, under one advisory lock.
import type { SigningKeyRecord, SigningKeyStore } from "gatehouse-auth-core/keys/signing-keys";
import { createSigningKeyReader, signingKeyColumns } from "../rows/signing-key-row.ts";
import type { PostgresPool, Queryable } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

const readKey = createSigningKeyReader(bigintNumber);
const columns = signingKeyColumns;

async function newestActive(tx: Queryable): Promise<SigningKeyRecord | undefined> {
  const [row] = await tx.rows(
    `SELECT ${columns} FROM signing_keys WHERE retires_at IS NULL
     ORDER BY activated_at DESC, kid DESC LIMIT 1`,
  );
  return row === undefined ? undefined : readKey(row);
}

async function insert(tx: Queryable, key: SigningKeyRecord): Promise<SigningKeyRecord> {
  const [row] = await tx.rows(
    `INSERT INTO signing_keys (${columns}) VALUES ($1, $2, $3, $4, $5, $6, NULL)
     RETURNING ${columns}`,
    [key.kid, key.algorithm, key.secret, key.publicJwk, key.createdAt, key.activatedAt],
  );
  return readKey(row);
}

/** The signing-key part of the PostgreSQL store. */
export function createPostgresSigningKeys(db: PostgresPool): SigningKeyStore {
  // "Insert if there is no active key" and "retire all, insert one" are several steps; one
  // transaction-scoped lock makes instances (and `keys rotate`) take them one after the other,
  // so every instance sees one outcome. Released at commit or rollback, even by a killed process.
  const locked = <T>(work: (tx: Queryable) => Promise<T>): Promise<T> =>
    db.transaction(async (tx) => {
      await tx.rows("SELECT pg_advisory_xact_lock(hashtext('gatehouse signing keys'))");
      return work(tx);
    });

  return {
    async ensureSigningKey(candidate) {
      return locked(async (tx) => (await newestActive(tx)) ?? insert(tx, candidate));
    },

    async listSigningKeys() {
      const rows = await db.rows(
        `SELECT ${columns} FROM signing_keys ORDER BY activated_at DESC, kid DESC`,
      );
      return rows.map(readKey);
    },

    async rotateSigningKey(candidate, retiresAt) {
      return locked(async (tx) => {
        await tx.run("UPDATE signing_keys SET retires_at = $1 WHERE retires_at IS NULL", [
          retiresAt,
        ]);
        // Every other key now retires, so the one inserted is the only active key.
        return insert(tx, candidate);
      });
    },
  };
}
