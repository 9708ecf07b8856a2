// What each environment variable means, in words, for docs/configuration.md.
import type { environmentSchema } from "./config.ts";

/** How docs/configuration.md describes one variable; `unset` says what an absent value means. */
interface SettingDescription {
  readonly description: string;
  readonly unset?: string;
}

/**
 * What each variable of {@link environmentSchema} means, for docs/configuration.md (written by
 * `npm run docs:config`). Keyed by the schema, so a variable without a description fails to compile.
 */
export const settingDescriptions: Readonly<
  Record<keyof typeof environmentSchema.shape, SettingDescription>
> = {
  HOST: { description: "Interface to listen on; `0.0.0.0` or `::` for every interface." },
  PORT: { description: "Port to listen on; `0` picks a free one." },
  GATEHOUSE_DATABASE_URL: {
    description:
      "Where the data lives: `postgres://…` or `postgresql://…` for PostgreSQL; `sqlite:PATH`, a file path, or `:memory:` for SQLite. An SQLite file and its folder are created on first start; schema migrations run at every start.",
  },
  GATEHOUSE_DATABASE_POOL_SIZE: {
    description:
      "Most connections one process opens to PostgreSQL; unused with SQLite. N processes need N × this many connections from the server.",
  },
  GATEHOUSE_DATABASE_CACHED_USERS: {
    description:
      "PostgreSQL: the most users one process's route guards keep in memory (about 0.5 KiB each), kept current by the change feed; `0` turns the caches off (users, revoked tokens and clients), so every request reads them from the database. Unused with SQLite.",
  },
  GATEHOUSE_DEMO: {
    description:
      "Seeds the tutorial's users (johndoe / secret, alice / secret2, disabled) and item Foo into an empty database, and allows published example secrets. Never in production.",
  },
  GATEHOUSE_JWT_SECRET: {
    description:
      "HS256 signing secret, at least 32 bytes (`openssl rand -hex 32`), for sharing tokens with a FastAPI app that verifies with a secret. Published keys such as the tutorial's are refused outside demo mode. When set it is the only key: nothing is stored, rotated or published. Unset: a key of `GATEHOUSE_SIGNING_ALGORITHM` is generated on first start and kept in the database, so restarts keep tokens valid.",
    unset: "unset: a generated key",
  },
  GATEHOUSE_SIGNING_ALGORITHM: {
    description:
      "Algorithm of generated signing keys: the first key of a new database and each `gatehouse keys rotate`. A database that already has a key keeps signing with it until you rotate. Must be unset or `HS256` when `GATEHOUSE_JWT_SECRET` is set.",
    unset: "`EdDSA` (`HS256` when `GATEHOUSE_JWT_SECRET` is set)",
  },
  GATEHOUSE_ACCESS_TOKEN_LIFETIME: {
    description: "Access token lifetime in seconds (the tutorial's 30 minutes).",
  },
  GATEHOUSE_MAX_TOKEN_LIFETIME_SECONDS: {
    description:
      "The longest access token lifetime (`exp` after `iat`) accepted on verification; a validly signed token living longer is refused. Must not be below `GATEHOUSE_ACCESS_TOKEN_LIFETIME`; raise it for a while when lowering that, so tokens already issued keep working until they expire.",
    unset: "unset: `GATEHOUSE_ACCESS_TOKEN_LIFETIME`",
  },
  GATEHOUSE_CLOCK_SKEW_SECONDS: {
    description:
      "How far ahead of this instance's clock an access token's `iat` may be, in seconds; a token issued further in the future is refused (it would outlive every cut-off). Covers clock differences between instances.",
  },
  GATEHOUSE_ISSUER: {
    description:
      "Written as `iss` into every token (RFC 9068 §2.2) and required on verification; also the issuer in the server metadata. Set it to the public URL in production: the default is where the process listens.",
    unset: "`http://HOST:PORT`",
  },
  GATEHOUSE_AUDIENCE: {
    description:
      "Written as `aud` into every token whose client has no audiences of its own, and required on verification. With `GATEHOUSE_FASTAPI_COMPAT_CLAIMS` and no audience set, tokens carry no `aud`, because PyJWT refuses an `aud` it does not expect.",
    unset: "the issuer (none with `GATEHOUSE_FASTAPI_COMPAT_CLAIMS`)",
  },
  GATEHOUSE_PASSWORD_GRANT_REQUIRES_CLIENT: {
    description:
      "Refuse the password grant (401 `invalid_client`) unless a registered client presents itself; that client must be first-party and allowed the `password` grant (RFC 9700 §2.4) — which is checked whenever a client is presented. Off: the seed's client-less login keeps working, and its tokens carry `client_id: gatehouse-password-login`.",
  },
  GATEHOUSE_STRICT_GRANT_TYPE: {
    description:
      "Require `grant_type=password` at `/token` (FastAPI's `OAuth2PasswordRequestFormStrict`).",
  },
  GATEHOUSE_REFRESH_ABSOLUTE_LIFETIME: {
    description:
      "Seconds a refresh token family lives after its login, however often it is refreshed (default 30 days).",
  },
  GATEHOUSE_REFRESH_IDLE_LIFETIME: {
    description:
      "Seconds an unused refresh token stays valid; each refresh starts a new period (default 7 days).",
  },
  GATEHOUSE_REFRESH_REUSE_GRACE_SECONDS: {
    description:
      "Seconds after a refresh in which the spent token may be retried once, for a client whose response was lost; `0` turns retries off.",
  },
  GATEHOUSE_HASH_WORKERS: {
    description: "Threads per process dedicated to password hashing.",
    unset: "(cores − 1) ÷ workers, at least 1",
  },
  GATEHOUSE_HASH_QUEUE: {
    description:
      "Logins that may wait for a hashing thread; beyond that `/token` answers 503 with `Retry-After`.",
  },
  GATEHOUSE_HASH_NICENESS: {
    description:
      "Nice value of the hashing threads: when hashing and serving compete for a core, serving comes first, so a storm of logins slows logins rather than every protected route. `0` gives them equal standing.",
  },
  GATEHOUSE_PASSWORD_MIN_LENGTH: {
    description:
      "Fewest characters (Unicode code points) a new or changed password may have, from the CLI or the admin API. 15 follows NIST SP 800-63B-4 for a password that is the only factor; 8, the lowest allowed, is NIST's minimum when another factor is also required. Passwords on the shipped common-password list are refused at any length; imported hashes and demo data are not checked.",
  },
  GATEHOUSE_AUDIT_RETENTION_DAYS: {
    description: "Audit events older than this many days are deleted at start and every hour.",
  },
  GATEHOUSE_CLIENT_SECRET_OVERLAP_SECONDS: {
    description:
      "After `clients rotate-secret` (or `POST /admin/clients/{client_id}/rotate-secret`), the client's previous secret stays valid this many seconds beside the new one, so its deployments can switch without an outage. `0` ends it at once; at most 30 days.",
  },
  GATEHOUSE_DEVICE_CODE_LIFETIME_SECONDS: {
    description:
      "How long the codes of a device authorization (`POST /device_authorization`, RFC 8628) live: the user has this many seconds to enter the code at `/device` and decide. 60 to 3600.",
  },
  GATEHOUSE_DEVICE_POLL_INTERVAL_SECONDS: {
    description:
      "The least time, in seconds, a device waits between two polls of `/token`; a poll sooner answers `slow_down` and adds 5 s for that device. 1 to 60.",
  },
  GATEHOUSE_LOGIN_SESSION_SECONDS: {
    description:
      'How long a login on the login page (`/login`, reached from `/authorize`) lasts, in seconds, however active it is; then the user logs in again. Logout, "log out everywhere", a password change, a disable or a deletion end it sooner, on every instance. 8 hours by default.',
  },
  GATEHOUSE_DOCS_CLIENT: {
    description:
      "Register (at start, if missing) the public, first-party client `gatehouse-docs`, whose only redirect URI is the issuer's `/docs/oauth2-redirect`, so Swagger UI's Authorize dialog offers the authorization code flow with PKCE. Off by default.",
  },
  GATEHOUSE_CORS_ORIGINS: {
    description:
      "Comma-separated browser origins (`https://app.example.com`) allowed to call `/token`, `/revoke` and `/users/me/…` from their pages (CORS), as a single-page app using the authorization code flow does. No cookies are involved: the app sends its tokens itself.",
    unset: "unset: none",
  },
  GATEHOUSE_METRICS_TOKEN: {
    description:
      "Bearer token that `/metrics` requires, at least 16 characters (`openssl rand -hex 32`). Unset, `/metrics` is open to anyone who can reach the service.",
    unset: "unset: open",
  },
  GATEHOUSE_LEGACY_TOKENS_UNTIL: {
    description:
      "ISO 8601 date or date-time until which HS256 tokens issued by the FastAPI app being replaced are accepted. Needs `GATEHOUSE_JWT_SECRET` (that app's `SECRET_KEY`).",
    unset: "unset: refused",
  },
  GATEHOUSE_FASTAPI_COMPAT_CLAIMS: {
    description:
      'Also write a `scopes` array claim, which FastAPI\'s scopes tutorial reads (`payload.get("scopes", [])`).',
  },
  GATEHOUSE_LOG_LEVEL: {
    description:
      "Least severe log level written. Logs are JSON lines on stdout and never hold passwords, tokens, hashes or secrets.",
  },
  GATEHOUSE_WORKERS: {
    description:
      "Processes sharing the port (`node:cluster`); `gatehouse serve --workers N` says the same.",
  },
  GATEHOUSE_THROTTLE_FREE_FAILURES: {
    description:
      "Failed logins per account (the username as typed, case-folded) before it is locked.",
  },
  GATEHOUSE_THROTTLE_ADDRESS_FREE_FAILURES: {
    description: "Failed logins per client address before it is locked.",
  },
  GATEHOUSE_THROTTLE_BASE_DELAY_SECONDS: {
    description:
      "The first lock, in seconds; each further failure doubles it. No more than `GATEHOUSE_THROTTLE_MAX_DELAY_SECONDS`.",
  },
  GATEHOUSE_THROTTLE_MAX_DELAY_SECONDS: {
    description: "The longest lock, in seconds (default 15 minutes).",
  },
  GATEHOUSE_THROTTLE_WINDOW_SECONDS: {
    description:
      "A counter is forgotten this many seconds after its last failure (or after its lock ends).",
  },
  GATEHOUSE_DEVICE_PROOF_SECRET: {
    description:
      "HMAC key of device proofs, at least 32 bytes (`openssl rand -hex 32`), the same on every instance. When set, each password-grant login answers a `device_proof`; a login that sends it back is judged by its device's own counter, so a lock others set on the account does not refuse it. Changing it revokes every proof.",
    unset: "unset: no device proofs",
  },
  GATEHOUSE_THROTTLE_REFUSAL_DELAY_MS: {
    description:
      "How long `/token` holds back a 429 for a locked account or address, in milliseconds (never longer than its `Retry-After`; at most 1024 held at once per process, the rest answered at once). A client that waits for each answer then sends a few refusals a second instead of thousands; 0 answers at once.",
  },
  GATEHOUSE_TRUSTED_PROXIES: {
    description:
      "Comma-separated IP addresses or CIDR ranges (`10.0.0.0/8,::1`) whose `X-Forwarded-For` is believed; set it to your reverse proxy. Unset, the socket address is the client.",
    unset: "unset: none",
  },
  GATEHOUSE_REQUEST_TIMEOUT_MS: {
    description:
      "Longest a client may take to send a whole request, in milliseconds; then 408 and the connection is closed.",
  },
  GATEHOUSE_HEADERS_TIMEOUT_MS: {
    description:
      "Longest a client may take to send the request headers, in milliseconds; then 408. No more than `GATEHOUSE_REQUEST_TIMEOUT_MS`.",
  },
  GATEHOUSE_MAX_HEADER_BYTES: {
    description: "Largest request line plus headers, in bytes; beyond it 431.",
  },
  GATEHOUSE_SHUTDOWN_TIMEOUT_MS: {
    description:
      "On SIGTERM or SIGINT, how long requests in flight may finish, in milliseconds, before their connections are cut.",
  },
};
