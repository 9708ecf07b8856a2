// Clients on PostgreSQL: the ClientStore part of the PostgreSQL store.

import type {
  ClientExpectation,
  ClientPatch,
  ClientRecord,
  ClientStore,
  NewClient,
} from "gatehouse-auth-core/clients/client";
import type { Clock } from "gatehouse-auth-core/clock";
import { AuthError } from "gatehouse-auth-core/errors";
import { z } from "zod";
import { clientColumns, createClientReader, jwksColumnValue } from "../rows/client-row.ts";
import type { AppendPostgresChange } from "./change-feed.ts";
import type { Queryable } from "./pool.ts";
import { bigintNumber, sqlState, sqlStateOf } from "./rows.ts";

const readClient = createClientReader({
  integer: bigintNumber,
  flag: z.boolean(),
  list: z.array(z.string()),
});

// One statement for every patch shape: a flag per field says whether the patch sets it.
const patchClient = `UPDATE clients SET
    name = CASE WHEN $3::boolean THEN $4::text ELSE name END,
    grant_types = CASE WHEN $5::boolean THEN $6::text[] ELSE grant_types END,
    scopes = CASE WHEN $7::boolean THEN $8::text[] ELSE scopes END,
    redirect_uris = CASE WHEN $9::boolean THEN $10::text[] ELSE redirect_uris END,
    audiences = CASE WHEN $11::boolean THEN $12::text[] ELSE audiences END,
    first_party = CASE WHEN $13::boolean THEN $14::boolean ELSE first_party END,
    disabled = CASE WHEN $15::boolean THEN $16::boolean ELSE disabled END,
    secret_hash = CASE WHEN $17::boolean THEN $18::text ELSE secret_hash END,
    previous_secret_hash = CASE WHEN $19::boolean THEN $20::text ELSE previous_secret_hash END,
    previous_secret_expires_at =
      CASE WHEN $21::boolean THEN $22::bigint ELSE previous_secret_expires_at END,
    jwks = CASE WHEN $23::boolean THEN $24::text ELSE jwks END,
    updated_at = $2::bigint
  WHERE client_id = $1 AND (NOT $25::boolean OR secret_hash IS NOT DISTINCT FROM $26::text)
  RETURNING ${clientColumns}`;

const array = (values: readonly string[] | undefined): string[] | null =>
  values === undefined ? null : [...values];

/** The client part of the PostgreSQL store; each write appends a `client_changed` event. */
export function createPostgresClientStore(
  db: Queryable,
  clock: Clock,
  appendChange: AppendPostgresChange,
): ClientStore {
  let nextPurge = 0;
  return {
    async findClient(clientId: string): Promise<ClientRecord | undefined> {
      const [row] = await db.rows(`SELECT ${clientColumns} FROM clients WHERE client_id = $1`, [
        clientId,
      ]);
      return row === undefined ? undefined : readClient(row);
    },

    async listClients(): Promise<readonly ClientRecord[]> {
      // client_id is COLLATE "C": byte order, the same as the other adapters.
      return (await db.rows(`SELECT ${clientColumns} FROM clients ORDER BY client_id`)).map(
        readClient,
      );
    },

    async createClient(client: NewClient): Promise<ClientRecord> {
      const now = clock.now();
      try {
        return await db.transaction(async (tx) => {
          const [row] = await tx.rows(
            `INSERT INTO clients (${clientColumns})
           VALUES ($1, $2, $3, $4, NULL, NULL, $5, $6, $7, $8, $9, $10, $11, $11, $12)
           RETURNING ${clientColumns}`,
            [
              client.clientId,
              client.name,
              client.type,
              client.secretHash,
              [...client.grantTypes],
              [...client.scopes],
              [...client.redirectUris],
              [...client.audiences],
              client.firstParty,
              client.disabled === true,
              now,
              jwksColumnValue(client.jwks),
            ],
          );
          const created = readClient(row);
          await appendChange(tx, { kind: "client_changed", clientId: created.clientId });
          return created;
        });
      } catch (error) {
        if (sqlStateOf(error) === sqlState.uniqueViolation) {
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
      return db.transaction(async (tx) => {
        const [row] = await tx.rows(patchClient, [
          clientId,
          clock.now(),
          patch.name !== undefined,
          patch.name ?? null,
          patch.grantTypes !== undefined,
          array(patch.grantTypes),
          patch.scopes !== undefined,
          array(patch.scopes),
          patch.redirectUris !== undefined,
          array(patch.redirectUris),
          patch.audiences !== undefined,
          array(patch.audiences),
          patch.firstParty !== undefined,
          patch.firstParty === true,
          patch.disabled !== undefined,
          patch.disabled === true,
          patch.secretHash !== undefined,
          patch.secretHash ?? null,
          patch.previousSecretHash !== undefined,
          patch.previousSecretHash ?? null,
          patch.previousSecretExpiresAt !== undefined,
          patch.previousSecretExpiresAt ?? null,
          patch.jwks !== undefined,
          jwksColumnValue(patch.jwks),
          expected !== undefined,
          expected?.secretHash ?? null,
        ]);
        if (row === undefined) return undefined;
        await appendChange(tx, { kind: "client_changed", clientId });
        return readClient(row);
      });
    },

    async deleteClient(clientId: string): Promise<boolean> {
      return db.transaction(async (tx) => {
        if ((await tx.run("DELETE FROM clients WHERE client_id = $1", [clientId])) === 0) {
          return false;
        }
        await appendChange(tx, { kind: "client_changed", clientId });
        return true;
      });
    },

    async useClientAssertionId(clientId, jti, expiresAt, now) {
      // Assertions live five minutes at most, so the table holds a few minutes of them.
      if (now >= nextPurge) {
        nextPurge = now + 60_000;
        await db.run("DELETE FROM client_assertion_ids WHERE expires_at <= $1", [now]);
      }
      // A concurrent insert of the same id waits on the first one's row, then finds it live.
      const changed = await db.run(
        `INSERT INTO client_assertion_ids (client_id, jti, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
         WHERE client_assertion_ids.expires_at <= $4`,
        [clientId, jti, expiresAt, now],
      );
      return changed === 1;
    },
  };
}
