// Registering and changing OAuth clients on an operator's behalf, each change written to the audit trail.
import type { AuditDetails, AuditEventType, AuditLog } from "../audit-log.ts";
import type { Clock } from "../clock.ts";
import { AuthError } from "../errors.ts";
import type { ScopeCatalogue } from "../scopes.ts";
import type { AuditContext } from "../users/user-admin.ts";
import type {
  Client,
  ClientGrantType,
  ClientPatch,
  ClientRecord,
  ClientStore,
  ClientType,
} from "./client.ts";
import { toClient } from "./client.ts";
import { checkClientJwks } from "./client-keys.ts";
import {
  checkAudiences,
  checkClientGrants,
  checkClientName,
  checkGrantTypes,
  checkRedirectUris,
} from "./client-rules.ts";
import { generateClientId, generateClientSecret } from "./client-secrets.ts";

/** What the client administration functions need. */
export interface ClientAdminDeps {
  readonly clients: ClientStore;
  readonly audit: AuditLog;
  readonly scopes: ScopeCatalogue;
  readonly clock: Clock;
  /** How long a rotated-out secret stays valid beside the new one; 0 ends it at once. */
  readonly secretOverlapSeconds: number;
}

/** The client fields an operator may change; absent fields stay as they are. */
export interface ClientChanges {
  readonly name?: string;
  readonly grantTypes?: readonly string[];
  readonly scopes?: readonly string[];
  readonly redirectUris?: readonly string[];
  readonly audiences?: readonly string[];
  readonly firstParty?: boolean;
  readonly disabled?: boolean;
  /**
   * The public keys of a client authenticating with private_key_jwt (RFC 7523), a JWK Set as
   * parsed JSON, checked by `checkClientJwks`. Only a client registered with keys may change
   * them (a key rotation); it has no secret.
   */
  readonly jwks?: unknown;
}

/** A new client as an operator describes it; Gatehouse picks its id and secret. */
export interface ClientRegistration extends ClientChanges {
  readonly name: string;
  /** `confidential` unless given. */
  readonly type?: ClientType;
  /**
   * Unless given: `client_credentials` for a confidential client; `authorization_code` and
   * `refresh_token` for a public one (which then needs a redirect URI).
   */
  readonly grantTypes?: readonly string[];
}

/**
 * A client together with a secret shown this once; `secret` is `null` for a public client and
 * for one that authenticates with its keys.
 */
export interface ClientWithSecret {
  readonly client: Client;
  readonly secret: string | null;
}

const defaultGrants = {
  confidential: ["client_credentials"],
  public: ["authorization_code", "refresh_token"],
} as const satisfies Record<ClientType, readonly ClientGrantType[]>;

async function audit(
  deps: ClientAdminDeps,
  context: AuditContext,
  type: AuditEventType,
  clientId: string,
  details: AuditDetails = {},
): Promise<void> {
  await deps.audit.record({
    type,
    actor: context.actor,
    subject: clientId,
    clientAddress: context.clientAddress,
    requestId: context.requestId,
    reason: null,
    details,
  });
}

async function requireClient(clients: ClientStore, clientId: string): Promise<ClientRecord> {
  const record = await clients.findClient(clientId);
  if (record === undefined) throw new AuthError("client_not_found", "no client with this id");
  return record;
}

/**
 * Registers a client with a generated id and, for a confidential client, a generated secret
 * (returned this once, stored only as its hash) — or, when it registers public keys, no secret:
 * it authenticates with private_key_jwt only — and records `client.created`.
 * @throws {AuthError} invalid_request (name, grant, redirect URI, audience or key rules; keys
 * for a public client), invalid_scope
 */
export async function registerClient(
  deps: ClientAdminDeps,
  context: AuditContext,
  registration: ClientRegistration,
): Promise<ClientWithSecret> {
  const type = registration.type ?? "confidential";
  const name = checkClientName(registration.name);
  const grantTypes =
    registration.grantTypes === undefined
      ? defaultGrants[type]
      : checkGrantTypes(registration.grantTypes);
  const redirectUris = checkRedirectUris(registration.redirectUris ?? []);
  checkClientGrants({ type, grantTypes, redirectUris });
  const scopes = deps.scopes.check(registration.scopes ?? []);
  const audiences = checkAudiences(registration.audiences ?? []);
  const jwks = registration.jwks === undefined ? null : checkClientJwks(registration.jwks);
  if (jwks !== null && type === "public") {
    // RFC 6749 §2.1: a public client cannot keep a credential, a private key included.
    throw new AuthError("invalid_request", "a public client cannot register keys");
  }
  const generated = type === "confidential" && jwks === null ? generateClientSecret() : null;
  const created = await deps.clients.createClient({
    clientId: generateClientId(),
    name,
    type,
    secretHash: generated?.secretHash ?? null,
    grantTypes,
    scopes,
    redirectUris,
    audiences,
    firstParty: registration.firstParty ?? false,
    disabled: registration.disabled ?? false,
    jwks,
  });
  await audit(deps, context, "client.created", created.clientId, {
    type,
    auth_method: jwks === null ? (type === "public" ? "none" : "client_secret") : "private_key_jwt",
    grant_types: grantTypes.join(" "),
    scopes: scopes.join(" "),
    first_party: created.firstParty,
    disabled: created.disabled,
  });
  return { client: toClient(created), secret: generated?.secret ?? null };
}

/**
 * Applies `changes` and records `client.updated` (naming the changed fields) and
 * `client.disabled` or `client.enabled` when the flag flips. The changed client must still follow
 * the grant rules as a whole.
 * @throws {AuthError} client_not_found, invalid_request, invalid_scope
 */
export async function changeClient(
  deps: ClientAdminDeps,
  context: AuditContext,
  clientId: string,
  changes: ClientChanges,
): Promise<Client> {
  const before = await requireClient(deps.clients, clientId);
  const patch: ClientPatch = {
    ...(changes.name === undefined ? {} : { name: checkClientName(changes.name) }),
    ...(changes.grantTypes === undefined
      ? {}
      : { grantTypes: checkGrantTypes(changes.grantTypes) }),
    ...(changes.scopes === undefined ? {} : { scopes: deps.scopes.check(changes.scopes) }),
    ...(changes.redirectUris === undefined
      ? {}
      : { redirectUris: checkRedirectUris(changes.redirectUris) }),
    ...(changes.audiences === undefined ? {} : { audiences: checkAudiences(changes.audiences) }),
    ...(changes.firstParty === undefined ? {} : { firstParty: changes.firstParty }),
    ...(changes.disabled === undefined ? {} : { disabled: changes.disabled }),
    ...(changes.jwks === undefined ? {} : { jwks: checkClientJwks(changes.jwks) }),
  };
  if (patch.jwks !== undefined && before.jwks === null) {
    throw new AuthError("invalid_request", "only a client registered with keys can change them");
  }
  checkClientGrants({
    type: before.type,
    grantTypes: patch.grantTypes ?? before.grantTypes,
    redirectUris: patch.redirectUris ?? before.redirectUris,
  });
  const after = await deps.clients.updateClient(clientId, patch);
  // Deleted between the read and the write.
  if (after === undefined) throw new AuthError("client_not_found", "no client with this id");
  const fields = (
    [
      ["name", changes.name],
      ["grant_types", changes.grantTypes],
      ["scopes", changes.scopes],
      ["redirect_uris", changes.redirectUris],
      ["audiences", changes.audiences],
      ["first_party", changes.firstParty],
      ["jwks", changes.jwks],
    ] as const
  )
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field);
  if (fields.length > 0) {
    await audit(deps, context, "client.updated", clientId, {
      fields: fields.join(","),
      ...(changes.grantTypes === undefined ? {} : { grant_types: after.grantTypes.join(" ") }),
      ...(changes.scopes === undefined ? {} : { scopes: after.scopes.join(" ") }),
    });
  }
  if (before.disabled !== after.disabled) {
    await audit(deps, context, after.disabled ? "client.disabled" : "client.enabled", clientId);
  }
  return toClient(after);
}

const maxRotationAttempts = 10;

/**
 * Gives a confidential client a new secret (returned this once) and records
 * `client.secret_rotated`. The secret it replaces stays valid for `secretOverlapSeconds`, so the
 * client's deployments can switch without an outage; a secret replaced earlier stops at once.
 * @throws {AuthError} client_not_found, invalid_request (a public client has no secret)
 */
export async function rotateClientSecret(
  deps: ClientAdminDeps,
  context: AuditContext,
  clientId: string,
): Promise<ClientWithSecret> {
  const generated = generateClientSecret();
  const overlap = deps.secretOverlapSeconds > 0;
  // Compare-and-set on the secret read: of two rotations racing, the later one would otherwise
  // overwrite the earlier one's secret with its own, leaving a secret shown to an operator that
  // works nowhere. Losing the race re-reads, so the earlier secret becomes the previous one.
  let after: ClientRecord | undefined;
  for (let attempt = 0; after === undefined; attempt++) {
    const before = await requireClient(deps.clients, clientId);
    if (before.type === "public" || before.secretHash === null) {
      throw new AuthError(
        "invalid_request",
        "a public client, or one that authenticates with its keys, has no secret to rotate",
      );
    }
    // Each lost round means another rotation committed, so this ends unless rotations never stop.
    if (attempt === maxRotationAttempts) {
      throw new Error(`the secret of ${clientId} kept changing during its rotation`);
    }
    after = await deps.clients.updateClient(
      clientId,
      {
        secretHash: generated.secretHash,
        previousSecretHash: overlap ? before.secretHash : null,
        previousSecretExpiresAt: overlap
          ? deps.clock.now() + deps.secretOverlapSeconds * 1000
          : null,
      },
      { secretHash: before.secretHash },
    );
  }
  await audit(deps, context, "client.secret_rotated", clientId, {
    overlap_seconds: deps.secretOverlapSeconds,
  });
  return { client: toClient(after), secret: generated.secret };
}

/**
 * Deletes a client registration and records `client.deleted`.
 * @throws {AuthError} client_not_found
 */
export async function deleteClientRegistration(
  deps: ClientAdminDeps,
  context: AuditContext,
  clientId: string,
): Promise<void> {
  if (!(await deps.clients.deleteClient(clientId))) {
    throw new AuthError("client_not_found", "no client with this id");
  }
  await audit(deps, context, "client.deleted", clientId);
}
