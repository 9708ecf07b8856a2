import type { AuditLog } from "./audit-log.ts";
import type { AuthorizationCodeStore } from "./authorization/authorization-codes.ts";
import type { ConsentStore } from "./authorization/consents.ts";
import type { LoginSessionStore } from "./authorization/login-sessions.ts";
import type { ChangeFeed } from "./changes/change-feed.ts";
import type { ClientReads, ClientStore } from "./clients/client.ts";
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

/** What a route guard reads on every request: see {@link Store.guardReads}. */
export interface GuardReads {
  readonly users: UserStore;
  readonly denylist: AccessTokenDenylist;
  /** The client a user's token was issued to; without it the guard reads `Store.clients`. */
  readonly clients?: ClientReads;
}

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
  /**
   * Every change that affects token validity, in commit order: each write that makes one
   * appends its event in the same transaction.
   */
  readonly changes: ChangeFeed;
  /**
   * The reads a route guard makes on every request (the token's user, its revocation, the client
   * a user's token was issued to), answered at once where the store can: from in-process caches
   * the change feed keeps current on PostgreSQL — so they may lag another instance's change by
   * the store's bound (100 ms) — and from SQLite's memo, current on every read. Absent when the
   * store's own ports are as fast (memory); grants, logins and admin reads always use those.
   */
  readonly guardReads?: GuardReads;
  /** Answers `/readyz`. */
  readonly readiness: ReadinessCheck;
  /** Releases connections and files. */
  close(): Promise<void>;
}
