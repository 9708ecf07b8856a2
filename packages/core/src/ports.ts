import type { AuditLog } from "./audit-log.ts";
import type { AuthorizationCodeStore } from "./authorization/authorization-codes.ts";
import type { ConsentStore } from "./authorization/consents.ts";
import type { LoginSessionStore } from "./authorization/login-sessions.ts";
import type { ClientStore } from "./clients/client.ts";
import type { DeviceCodeStore } from "./device/device-codes.ts";
import type { ThrottleStore } from "./grants/throttle-store.ts";
import type { SigningKeyStore } from "./keys/signing-keys.ts";
import type { ReadinessCheck } from "./readiness.ts";
import type { AccessTokenDenylist } from "./tokens/denylist.ts";
import type { RefreshTokenStore } from "./tokens/refresh-tokens.ts";
import type { ItemStore } from "./users/items.ts";
import type { SeedStore } from "./users/seed.ts";
import type { UserStore } from "./users/user.ts";
import type { UserDirectory } from "./users/user-directory.ts";

/**
 * Everything Gatehouse keeps, as one adapter provides it: a record of named ports, so each
 * consumer takes the port it needs by name (`store.users`, `store.denylist`) and nothing more.
 * The ports of one store share its database; every adapter passes the same contract suites.
 */
export interface Store {
  readonly users: UserStore;
  readonly items: ItemStore;
  readonly seed: SeedStore;
  readonly directory: UserDirectory;
  readonly signingKeys: SigningKeyStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly denylist: AccessTokenDenylist;
  readonly throttle: ThrottleStore;
  readonly audit: AuditLog;
  /** The registered OAuth clients. */
  readonly clients: ClientStore;
  /** Device authorizations (RFC 8628) waiting for a user, decided, or redeemed. */
  readonly deviceCodes: DeviceCodeStore;
  /** Sessions of the login page (the authorization code flow). */
  readonly loginSessions: LoginSessionStore;
  /** Which scopes each user let each client have. */
  readonly consents: ConsentStore;
  /** Codes issued by `/authorize`, redeemed once at `/token`. */
  readonly authorizationCodes: AuthorizationCodeStore;
  /** Answers `/readyz`. */
  readonly readiness: ReadinessCheck;
  /** Releases connections and files. */
  close(): Promise<void>;
}
