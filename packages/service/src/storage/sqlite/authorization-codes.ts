// Authorization codes on SQLite: redeeming is one conditional UPDATE, atomic across processes.
import type { DatabaseSync } from "node:sqlite";
import type { AuthorizationCodeStore } from "gatehouse-auth-core/authorization/authorization-codes";
import { z } from "zod";
import {
  authorizationCodeColumns,
  createAuthorizationCodeReader,
} from "../rows/authorization-code-row.ts";
import { unknownUserOnForeignKey } from "./foreign-key.ts";

const readCode = createAuthorizationCodeReader(
  z.number().int(),
  z.string().transform((text) => (text === "" ? [] : text.split(" "))),
);

/** The {@link AuthorizationCodeStore} part of the SQLite store, on an open, migrated database. */
export function createSqliteAuthorizationCodes(db: DatabaseSync): AuthorizationCodeStore {
  const insert = db.prepare(
    `INSERT INTO authorization_codes (${authorizationCodeColumns})
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, NULL)`,
  );
  const find = db.prepare(
    `SELECT ${authorizationCodeColumns} FROM authorization_codes WHERE code_hash = ?`,
  );
  const redeem = db.prepare(
    `UPDATE authorization_codes
     SET used_at = :now, family_id = :family, access_token_id = :token,
         access_token_expires_at = :tokenExpires
     WHERE code_hash = :hash AND used_at IS NULL AND expires_at > :now`,
  );
  const purge = db.prepare("DELETE FROM authorization_codes WHERE expires_at < ?");
  return {
    async createAuthorizationCode(code) {
      unknownUserOnForeignKey(() =>
        insert.run(
          code.codeHash,
          code.clientId,
          code.redirectUri,
          code.codeChallenge,
          code.scopes.join(" "),
          code.username,
          code.authTime,
          code.createdAt,
          code.expiresAt,
        ),
      );
    },
    async findAuthorizationCode(codeHash) {
      const row = find.get(codeHash);
      return row === undefined ? undefined : readCode(row);
    },
    async redeemAuthorizationCode(codeHash, now, issued) {
      const result = redeem.run({
        now,
        hash: codeHash,
        family: issued.familyId,
        token: issued.accessTokenId,
        tokenExpires: issued.accessTokenExpiresAt,
      });
      return Number(result.changes) === 1;
    },
    async purgeAuthorizationCodes(before) {
      return Number(purge.run(before).changes);
    },
  };
}
