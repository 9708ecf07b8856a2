// The SigningKeyStore on SQLite: keys, their activation and retirement, under the write lock.
import type { DatabaseSync } from "node:sqlite";
import type { SigningKeyRecord, SigningKeyStore } from "gatehouse-auth-core/keys/signing-keys";
import { z } from "zod";
import { createSigningKeyReader, signingKeyColumns } from "../rows/signing-key-row.ts";
import type { SqliteChangeLog } from "./change-feed.ts";
import { inWriteTransaction } from "./transaction.ts";

const readKey = createSigningKeyReader(z.number().int());
const columns = signingKeyColumns;

/**
 * The signing-key part of the SQLite store, on an open, migrated database: a key stored or
 * superseded appends a `signing_key_changed` event to `changes`.
 */
export function createSqliteSigningKeys(
  db: DatabaseSync,
  changes: SqliteChangeLog,
): SigningKeyStore {
  const insertKey = db.prepare(
    `INSERT INTO signing_keys (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const newestActive = db.prepare(
    `SELECT ${columns} FROM signing_keys WHERE retires_at IS NULL
     ORDER BY activated_at DESC, kid DESC LIMIT 1`,
  );
  const allKeys = db.prepare(
    `SELECT ${columns} FROM signing_keys ORDER BY activated_at DESC, kid DESC`,
  );
  const supersede = db.prepare(
    "UPDATE signing_keys SET retires_at = ? WHERE retires_at IS NULL RETURNING kid",
  );

  const insert = (key: SigningKeyRecord): void => {
    insertKey.run(
      key.kid,
      key.algorithm,
      key.secret,
      key.publicJwk,
      key.createdAt,
      key.activatedAt,
      key.retiresAt,
    );
    changes.append({ kind: "signing_key_changed", keyId: key.kid });
  };
  // Under the write lock, so every instance sharing the file sees one outcome.
  const locked = <T>(work: () => T): T => inWriteTransaction(db, work);

  return {
    async ensureSigningKey(candidate) {
      return locked(() => {
        const current = newestActive.get();
        if (current !== undefined) return readKey(current);
        insert({ ...candidate, retiresAt: null });
        return readKey(newestActive.get());
      });
    },

    async listSigningKeys() {
      return allKeys.all().map(readKey);
    },

    async rotateSigningKey(candidate, retiresAt) {
      return locked(() => {
        for (const { kid } of supersede.all(retiresAt)) {
          if (typeof kid !== "string") throw new TypeError("malformed row in signing_keys");
          changes.append({ kind: "signing_key_changed", keyId: kid });
        }
        insert({ ...candidate, retiresAt: null });
        return readKey(newestActive.get());
      });
    },
  };
}
