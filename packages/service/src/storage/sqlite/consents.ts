// Consents on SQLite: one row per user and client, scopes space-separated.
import type { DatabaseSync } from "node:sqlite";
import type { ConsentStore } from "gatehouse-auth-core/authorization/consents";
import { z } from "zod";
import { consentColumns, createConsentReader } from "../rows/consent-row.ts";
import { unknownUserOnForeignKey } from "./foreign-key.ts";

const readConsent = createConsentReader(
  z.number().int(),
  z.string().transform((text) => (text === "" ? [] : text.split(" "))),
);

/** The {@link ConsentStore} part of the SQLite store, on an open, migrated database. */
export function createSqliteConsents(db: DatabaseSync): ConsentStore {
  const find = db.prepare(
    `SELECT ${consentColumns} FROM consents WHERE username = ? AND client_id = ?`,
  );
  const save = db.prepare(
    `INSERT INTO consents (${consentColumns}) VALUES (?, ?, ?, ?)
     ON CONFLICT (username, client_id) DO UPDATE
     SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
  );
  const list = db.prepare(
    `SELECT ${consentColumns} FROM consents WHERE username = ? ORDER BY client_id`,
  );
  const revoke = db.prepare("DELETE FROM consents WHERE username = ? AND client_id = ?");
  return {
    async findConsent(username, clientId) {
      const row = find.get(username, clientId);
      return row === undefined ? undefined : readConsent(row);
    },
    async saveConsent(consent) {
      unknownUserOnForeignKey(() =>
        save.run(consent.username, consent.clientId, consent.scopes.join(" "), consent.grantedAt),
      );
    },
    async listConsents(username) {
      return list.all(username).map(readConsent);
    },
    async revokeConsent(username, clientId) {
      return Number(revoke.run(username, clientId).changes) > 0;
    },
  };
}
