// The ClientStore on SQLite: one row per client, lists as JSON arrays.
import type { DatabaseSync } from "node:sqlite";
import type {
  ClientExpectation,
  ClientPatch,
  ClientReads,
  ClientRecord,
  ClientStore,
  NewClient,
} from "gatehouse-auth-core/clients/client";
import type { Clock } from "gatehouse-auth-core/clock";
import { AuthError } from "gatehouse-auth-core/errors";
import { z } from "zod";
import {
  clientColumns,
  createClientReader,
  freezeClientRecord,
  jwksColumnValue,
} from "../rows/client-row.ts";
import type { SqliteChangeLog } from "./change-feed.ts";
import type { SqliteReadMemo } from "./read-memo.ts";

// Extended result code (https://sqlite.org/rescode.html) that node:sqlite reports as `errcode`.
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

const readClient = createClientReader({
  integer: z.number().int(),
  flag: z.union([z.literal(0), z.literal(1)]).transform((value) => value === 1),
  list: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(z.array(z.string())),
});

const list = (values: readonly string[] | undefined): string | null =>
  values === undefined ? null : JSON.stringify(values);

function isPrimaryKeyViolation(error: unknown): boolean {
  return (
    error instanceof Error && "errcode" in error && error.errcode === SQLITE_CONSTRAINT_PRIMARYKEY
  );
}

/**
 * The route guard's client read: answered at once, from `memo` while nothing was committed (so a
 * client disabled or deleted by any process is refused on the next request), the record frozen
 * since every request reading it shares it.
 */
export function createSqliteClientReads(db: DatabaseSync, memo: SqliteReadMemo): ClientReads {
  const find = db.prepare(`SELECT ${clientColumns} FROM clients WHERE client_id = ?`);
  const load = (clientId: string): ClientRecord | undefined => {
    const row = find.get(clientId);
    return row === undefined ? undefined : freezeClientRecord(readClient(row));
  };
  return { findClient: (clientId) => memo.read("client", clientId, () => load(clientId)) };
}

/**
 * The client part of the SQLite store, on an open, migrated database; each write appends a
 * `client_changed` event to `changes` in the same transaction, and drops what `memo` holds.
 */
export function createSqliteClientStore(
  db: DatabaseSync,
  clock: Clock,
  changes: SqliteChangeLog,
  memo: SqliteReadMemo,
): ClientStore {
  const changed = (clientId: string): void => {
    changes.append({ kind: "client_changed", clientId });
    memo.forget();
  };
  const find = db.prepare(`SELECT ${clientColumns} FROM clients WHERE client_id = ?`);
  const all = db.prepare(`SELECT ${clientColumns} FROM clients ORDER BY client_id`);
  const insert = db.prepare(
    `INSERT INTO clients (${clientColumns})
     VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     RETURNING ${clientColumns}`,
  );
  // One statement for every patch shape, so it is prepared once: a flag per field says whether
  // the patch sets it.
  const patchClient = db.prepare(
    `UPDATE clients SET
       name = CASE WHEN :setName THEN :name ELSE name END,
       grant_types = CASE WHEN :setGrantTypes THEN :grantTypes ELSE grant_types END,
       scopes = CASE WHEN :setScopes THEN :scopes ELSE scopes END,
       redirect_uris = CASE WHEN :setRedirectUris THEN :redirectUris ELSE redirect_uris END,
       audiences = CASE WHEN :setAudiences THEN :audiences ELSE audiences END,
       first_party = CASE WHEN :setFirstParty THEN :firstParty ELSE first_party END,
       disabled = CASE WHEN :setDisabled THEN :disabled ELSE disabled END,
       jwks = CASE WHEN :setJwks THEN :jwks ELSE jwks END,
       secret_hash = CASE WHEN :setSecretHash THEN :secretHash ELSE secret_hash END,
       previous_secret_hash =
         CASE WHEN :setPreviousHash THEN :previousHash ELSE previous_secret_hash END,
       previous_secret_expires_at =
         CASE WHEN :setPreviousExpiry THEN :previousExpiry ELSE previous_secret_expires_at END,
       updated_at = :updatedAt
     WHERE client_id = :clientId
       AND (NOT :checkSecret OR secret_hash IS :expectedSecretHash)
     RETURNING ${clientColumns}`,
  );
  const remove = db.prepare("DELETE FROM clients WHERE client_id = ?");
  // A fresh id is inserted; a remembered one is taken over only once its assertion expired.
  const useAssertionId = db.prepare(
    `INSERT INTO client_assertion_ids (client_id, jti, expires_at) VALUES (?, ?, ?)
     ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = excluded.expires_at
     WHERE client_assertion_ids.expires_at <= ?`,
  );
  const purgeAssertionIds = db.prepare("DELETE FROM client_assertion_ids WHERE expires_at <= ?");
  let nextPurge = 0;

  return {
    async findClient(clientId: string): Promise<ClientRecord | undefined> {
      const row = find.get(clientId);
      return row === undefined ? undefined : readClient(row);
    },

    async listClients(): Promise<readonly ClientRecord[]> {
      return all.all().map(readClient);
    },

    async createClient(client: NewClient): Promise<ClientRecord> {
      const now = clock.now();
      try {
        return changes.atomically(() => {
          const created = readClient(
            insert.get(
              client.clientId,
              client.name,
              client.type,
              client.secretHash,
              JSON.stringify(client.grantTypes),
              JSON.stringify(client.scopes),
              JSON.stringify(client.redirectUris),
              JSON.stringify(client.audiences),
              client.firstParty ? 1 : 0,
              client.disabled === true ? 1 : 0,
              now,
              now,
              jwksColumnValue(client.jwks),
            ),
          );
          changed(created.clientId);
          return created;
        });
      } catch (error) {
        if (isPrimaryKeyViolation(error)) {
          throw new AuthError("client_id_taken", "a client with this id exists", { cause: error });
        }
        throw error;
      }
    },

    async updateClient(
      clientId: string,
      patch: ClientPatch,
      expected?: ClientExpectation,
    ): Promise<ClientRecord | undefined> {
      return changes.atomically(() => {
        const row = patchClient.get({
          clientId,
          checkSecret: expected === undefined ? 0 : 1,
          expectedSecretHash: expected?.secretHash ?? null,
          updatedAt: clock.now(),
          setName: patch.name === undefined ? 0 : 1,
          name: patch.name ?? null,
          setGrantTypes: patch.grantTypes === undefined ? 0 : 1,
          grantTypes: list(patch.grantTypes),
          setScopes: patch.scopes === undefined ? 0 : 1,
          scopes: list(patch.scopes),
          setRedirectUris: patch.redirectUris === undefined ? 0 : 1,
          redirectUris: list(patch.redirectUris),
          setAudiences: patch.audiences === undefined ? 0 : 1,
          audiences: list(patch.audiences),
          setFirstParty: patch.firstParty === undefined ? 0 : 1,
          firstParty: patch.firstParty === true ? 1 : 0,
          setDisabled: patch.disabled === undefined ? 0 : 1,
          disabled: patch.disabled === true ? 1 : 0,
          setJwks: patch.jwks === undefined ? 0 : 1,
          jwks: jwksColumnValue(patch.jwks),
          setSecretHash: patch.secretHash === undefined ? 0 : 1,
          secretHash: patch.secretHash ?? null,
          setPreviousHash: patch.previousSecretHash === undefined ? 0 : 1,
          previousHash: patch.previousSecretHash ?? null,
          setPreviousExpiry: patch.previousSecretExpiresAt === undefined ? 0 : 1,
          previousExpiry: patch.previousSecretExpiresAt ?? null,
        });
        if (row === undefined) return undefined;
        changed(clientId);
        return readClient(row);
      });
    },

    async deleteClient(clientId: string): Promise<boolean> {
      return changes.atomically(() => {
        if (remove.run(clientId).changes === 0) return false;
        changed(clientId);
        return true;
      });
    },

    async useClientAssertionId(clientId, jti, expiresAt, now) {
      // Assertions live five minutes at most, so the table holds a few minutes of them.
      if (now >= nextPurge) {
        nextPurge = now + 60_000;
        purgeAssertionIds.run(now);
      }
      return useAssertionId.run(clientId, jti, expiresAt, now).changes === 1;
    },
  };
}
