// Consents on PostgreSQL: one row per user and client.
import type { ConsentStore } from "gatehouse-auth-core/authorization/consents";
import { z } from "zod";
import { consentColumns, createConsentReader } from "../rows/consent-row.ts";
import { unknownUserOnForeignKey } from "./foreign-key.ts";
import type { Queryable } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

const readConsent = createConsentReader(bigintNumber, z.array(z.string()));

/** The {@link ConsentStore} part of the PostgreSQL store. */
export function createPostgresConsents(db: Queryable): ConsentStore {
  return {
    async findConsent(username, clientId) {
      const [row] = await db.rows(
        `SELECT ${consentColumns} FROM consents WHERE username = $1 AND client_id = $2`,
        [username, clientId],
      );
      return row === undefined ? undefined : readConsent(row);
    },
    async saveConsent(consent) {
      await unknownUserOnForeignKey(() =>
        db.run(
          `INSERT INTO consents (${consentColumns}) VALUES ($1, $2, $3, $4)
           ON CONFLICT (username, client_id) DO UPDATE
           SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
          [consent.username, consent.clientId, [...consent.scopes], consent.grantedAt],
        ),
      );
    },
    async listConsents(username) {
      const rows = await db.rows(
        `SELECT ${consentColumns} FROM consents WHERE username = $1 ORDER BY client_id`,
        [username],
      );
      return rows.map(readConsent);
    },
    async revokeConsent(username, clientId) {
      const deleted = await db.run("DELETE FROM consents WHERE username = $1 AND client_id = $2", [
        username,
        clientId,
      ]);
      return deleted > 0;
    },
  };
}
