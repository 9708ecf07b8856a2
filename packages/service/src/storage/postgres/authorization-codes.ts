// Authorization codes on PostgreSQL: redeeming is one conditional UPDATE, atomic across instances.
import type { AuthorizationCodeStore } from "gatehouse-auth-core/authorization/authorization-codes";
import { z } from "zod";
import {
  authorizationCodeColumns,
  createAuthorizationCodeReader,
} from "../rows/authorization-code-row.ts";
import { unknownUserOnForeignKey } from "./foreign-key.ts";
import type { Queryable } from "./pool.ts";
import { bigintNumber } from "./rows.ts";

const readCode = createAuthorizationCodeReader(bigintNumber, z.array(z.string()));

/** The {@link AuthorizationCodeStore} part of the PostgreSQL store. */
export function createPostgresAuthorizationCodes(db: Queryable): AuthorizationCodeStore {
  return {
    async createAuthorizationCode(code) {
      await unknownUserOnForeignKey(() =>
        db.run(
          `INSERT INTO authorization_codes (${authorizationCodeColumns})
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL, NULL)`,
          [
            code.codeHash,
            code.clientId,
            code.redirectUri,
            code.codeChallenge,
            [...code.scopes],
            code.username,
            code.authTime,
            code.createdAt,
            code.expiresAt,
          ],
        ),
      );
    },
    async findAuthorizationCode(codeHash) {
      const [row] = await db.rows(
        `SELECT ${authorizationCodeColumns} FROM authorization_codes WHERE code_hash = $1`,
        [codeHash],
      );
      return row === undefined ? undefined : readCode(row);
    },
    // Under READ COMMITTED a second UPDATE waits for the first and re-checks used_at: one wins.
    async redeemAuthorizationCode(codeHash, now, issued) {
      const changed = await db.run(
        `UPDATE authorization_codes
         SET used_at = $2, family_id = $3, access_token_id = $4, access_token_expires_at = $5
         WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2`,
        [codeHash, now, issued.familyId, issued.accessTokenId, issued.accessTokenExpiresAt],
      );
      return changed === 1;
    },
    async purgeAuthorizationCodes(before) {
      return db.run("DELETE FROM authorization_codes WHERE expires_at < $1", [before]);
    },
  };
}
