// Signing keys on PostgreSQL: keys, their activation and retirement, under one advisory lock.
import type { SigningKeyRecord, SigningKeyStore } from "gatehouse-auth-core/keys/signing-keys";
import { z } from "zod";
import { parseRow } from "../rows/parse-row.ts";
import { createSigningKeyReader, signingKeyColumns } from "../rows/signing-key-row.ts";
import type { AppendPostgresChange } from "./change-feed.ts";
import type { PostgresPool, Queryable } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

const kidRow = z.object({ kid: z.string() });

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

/**
 * The signing-key part of the PostgreSQL store: a key stored or superseded appends a
 * `signing_key_changed` event.
 */
export function createPostgresSigningKeys(
  db: PostgresPool,
  appendChange: AppendPostgresChange,
): SigningKeyStore {
  const added = async (tx: Queryable, key: SigningKeyRecord): Promise<SigningKeyRecord> => {
    const stored = await insert(tx, key);
    await appendChange(tx, { kind: "signing_key_changed", keyId: stored.kid });
    return stored;
  };
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
      return locked(async (tx) => (await newestActive(tx)) ?? added(tx, candidate));
    },

    async listSigningKeys() {
      const rows = await db.rows(
        `SELECT ${columns} FROM signing_keys ORDER BY activated_at DESC, kid DESC`,
      );
      return rows.map(readKey);
    },

    async rotateSigningKey(candidate, retiresAt) {
      return locked(async (tx) => {
        const superseded = await tx.rows(
          "UPDATE signing_keys SET retires_at = $1 WHERE retires_at IS NULL RETURNING kid",
          [retiresAt],
        );
        for (const row of superseded) {
          await appendChange(tx, {
            kind: "signing_key_changed",
            keyId: parseRow(kidRow, row, "signing_keys").kid,
          });
        }
        // Every other key now retires, so the one inserted is the only active key.
        return added(tx, candidate);
      });
    },
  };
}
