// A clients row as both SQL adapters read it, and its translation to a ClientRecord.
import type { ClientRecord } from "gatehouse-auth-core/clients/client";
import type { ClientJwks } from "gatehouse-auth-core/clients/client-keys";
import { storedClientJwksSchema } from "gatehouse-auth-core/clients/client-keys";
import { isClientGrantType } from "gatehouse-auth-core/clients/client-rules";
import { z } from "zod";

/** The columns every client query selects, in this order. */
export const clientColumns =
  "client_id, name, type, secret_hash, previous_secret_hash, previous_secret_expires_at, grant_types, scopes, redirect_uris, audiences, first_party, disabled, created_at, updated_at, jwks";

/** How one driver returns the column types that differ between SQLite and PostgreSQL. */
export interface ClientColumnTypes {
  /** Milliseconds since the epoch. */
  readonly integer: z.ZodType<number>;
  readonly flag: z.ZodType<boolean>;
  /** A list of strings (grant types, scopes, redirect URIs, audiences). */
  readonly list: z.ZodType<string[]>;
}

// The jwks column: the key set as JSON text in both dialects, or NULL.
const jwksColumn = z
  .string()
  .nullable()
  .transform((text, ctx): unknown => {
    if (text === null) return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "not JSON" });
      return z.NEVER;
    }
  })
  .pipe(storedClientJwksSchema.nullable());

/** The jwks column's value for a key set, as both dialects store it. */
export function jwksColumnValue(jwks: ClientJwks | null | undefined): string | null {
  return jwks === undefined || jwks === null ? null : JSON.stringify(jwks);
}

/**
 * Makes the reader of clients rows for one driver. The reader throws a `TypeError` for a
 * malformed row — a foreign writer or a missed migration — whose message never holds a value.
 */
export function createClientReader(types: ClientColumnTypes): (row: unknown) => ClientRecord {
  const schema = z.object({
    client_id: z.string().min(1),
    name: z.string(),
    type: z.enum(["confidential", "public"]),
    secret_hash: z.string().nullable(),
    previous_secret_hash: z.string().nullable(),
    previous_secret_expires_at: types.integer.nullable(),
    grant_types: types.list.pipe(z.array(z.string().refine(isClientGrantType))),
    scopes: types.list,
    redirect_uris: types.list,
    audiences: types.list,
    first_party: types.flag,
    disabled: types.flag,
    created_at: types.integer,
    updated_at: types.integer,
    jwks: jwksColumn,
  });
  return (row) => {
    const result = schema.safeParse(row);
    if (!result.success) throw new TypeError("malformed row in clients");
    const client = result.data;
    return {
      clientId: client.client_id,
      name: client.name,
      type: client.type,
      secretHash: client.secret_hash,
      previousSecretHash: client.previous_secret_hash,
      previousSecretExpiresAt: client.previous_secret_expires_at,
      // Checked one by one by the schema's refine just above.
      grantTypes: client.grant_types.filter(isClientGrantType),
      scopes: client.scopes,
      redirectUris: client.redirect_uris,
      audiences: client.audiences,
      firstParty: client.first_party,
      disabled: client.disabled,
      jwks: client.jwks,
      createdAt: client.created_at,
      updatedAt: client.updated_at,
    };
  };
}

/**
 * `record`, frozen with its lists: a client a cache hands to every request that reads it, so none
 * may change it.
 */
export function freezeClientRecord(record: ClientRecord): ClientRecord {
  for (const list of [record.grantTypes, record.scopes, record.redirectUris, record.audiences]) {
    Object.freeze(list);
  }
  return Object.freeze(record);
}
