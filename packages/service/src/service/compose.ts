// The composition root: the one place that picks concrete adapters for the settings.

import type { ChangeFeed } from "gatehouse-auth-core/changes/change-feed";
import { createSecurityEventSigner } from "gatehouse-auth-core/changes/security-event-token";
import type { ClientLookup } from "gatehouse-auth-core/clients/client-authentication";
import { passwordLoginClientId } from "gatehouse-auth-core/clients/client-authentication";
import type { Clock } from "gatehouse-auth-core/clock";
import { systemClock } from "gatehouse-auth-core/clock";
import { createDeviceProofs } from "gatehouse-auth-core/grants/device-proof";
import { createLoginThrottle } from "gatehouse-auth-core/grants/throttle";
import type { PublishedJwk } from "gatehouse-auth-core/keys/key-material";
import { generateSigningKey } from "gatehouse-auth-core/keys/key-material";
import { createKeyRing } from "gatehouse-auth-core/keys/key-ring";
import type { TokenKeySet } from "gatehouse-auth-core/keys/token-keys";
import { deriveKeyId, staticKeySet } from "gatehouse-auth-core/keys/token-keys";
import { type Argon2Hasher, createArgon2Hasher } from "gatehouse-auth-core/passwords/argon2-hasher";
import type { PasswordHasher } from "gatehouse-auth-core/passwords/hasher";
import { createPasswordPolicy } from "gatehouse-auth-core/passwords/password-policy";
import type { Store } from "gatehouse-auth-core/ports";
import { createScopeCatalogue, gatehouseScopeDescriptions } from "gatehouse-auth-core/scopes";
import { createLegacyKeySource } from "gatehouse-auth-core/tokens/legacy-key-source";
import { createTokenService } from "gatehouse-auth-core/tokens/tokens";
import type { AppServices } from "../http/app.ts";
import { createPostgresStore } from "../storage/postgres/store.ts";
import { createSqliteStore } from "../storage/sqlite/store.ts";
import type { Logger } from "../telemetry/logger.ts";
import { silentLogger } from "../telemetry/logger.ts";
import {
  countTokenVerifications,
  createMetrics,
  type DatabasePoolState,
  type Metrics,
} from "../telemetry/metrics.ts";
import type { Settings } from "./config.ts";
import { explainDatabaseFailure } from "./database-failure.ts";
import { seedDemoData } from "./demo-data.ts";
import { docsClientId, ensureDocsClient } from "./docs-client.ts";

/**
 * Everything a Gatehouse process runs on: what the HTTP layer is given, with the whole
 * configuration and a way to stop. The throttle's counters are kept in the store, so every
 * instance shares them; `publicKeys` reads the store afresh and never returns a secret.
 */
export interface Services extends AppServices {
  readonly settings: Settings;
  /** Stops the hashing workers and closes the store. */
  close(): Promise<void>;
}

/** Overrides for tests and tools. */
export interface ComposeOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly hasher?: PasswordHasher;
  /**
   * Opens the store instead of the settings' database (the tests' memory store); it is
   * migrated, seeded and closed like any other.
   */
  readonly store?: (clock: Clock) => Store;
  /** The client registry client authentication reads; the store's `clients` port by default. */
  readonly clients?: ClientLookup;
  /** The change feed published at `/security-events`; the store's own by default (a test's fake). */
  readonly changes?: ChangeFeed;
}

/**
 * Builds the services for `settings` — the composition root, the one place that picks concrete
 * adapters; the server, the CLI and the tests all build through it. Opens and migrates the store, starts the hasher, loads or
 * creates the signing keys, and seeds the demo data when demo mode is on and the store is empty.
 */
export async function composeServices(
  settings: Settings,
  options: ComposeOptions = {},
): Promise<Services> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const { store, database } =
    options.store === undefined
      ? await explainedFailure(settings, () => openStore(settings, clock))
      : { store: options.store(clock), database: undefined };
  const hasher =
    options.hasher ??
    createArgon2Hasher({
      workers: settings.hashWorkers,
      maxQueue: settings.hashQueue,
      niceness: settings.hashNiceness,
      onWait: (milliseconds) => metrics.observeHashWait(milliseconds / 1000),
    });
  const metrics = createMetrics({
    ...(hasPoolStats(hasher) ? { hashPool: hasher.stats } : {}),
    ...(database === undefined ? {} : { database }),
  });
  try {
    return await explainedFailure(settings, () =>
      composeOnStore(settings, {
        store,
        hasher,
        logger,
        clock,
        metrics,
        clients: options.clients ?? store.clients,
        changes: options.changes ?? store.changes,
      }),
    );
  } catch (error) {
    // Nothing half-made outlives a failed start (a caller may retry, or a CLI run end cleanly);
    // a hasher handed in stays its owner's to close.
    if (options.hasher === undefined) await hasher.close();
    await store.close();
    throw error;
  }
}

/** Turns a database failure of known cause into a {@link StartupError} naming the setting. */
async function explainedFailure<T>(settings: Settings, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw explainDatabaseFailure(error, settings.database) ?? error;
  }
}

/** What {@link composeOnStore} builds on: the open store and the parts made before it. */
interface Parts {
  readonly store: Store;
  readonly hasher: PasswordHasher;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly metrics: Metrics;
  readonly clients: ClientLookup;
  readonly changes?: ChangeFeed;
}

// Everything that reads or writes the store at start: keys, the dummy hash, demo data.
async function composeOnStore(settings: Settings, parts: Parts): Promise<Services> {
  const { store, hasher, logger, clock, metrics } = parts;
  const scopes = createScopeCatalogue(gatehouseScopeDescriptions);
  const keys = await loadSigningKeys(settings, store, clock, logger);
  // Computed now, so the first login for an unknown user costs what every other login costs.
  await hasher.dummyHash();
  const tokens = countTokenVerifications(
    createTokenService({
      keys: keys.set,
      scopes,
      clock,
      lifetimeSeconds: settings.accessTokenLifetimeSeconds,
      maxLifetimeSeconds: settings.maxTokenLifetimeSeconds,
      clockSkewSeconds: settings.clockSkewSeconds,
      scopesArrayClaim: settings.fastapiCompatClaims,
      issuer: settings.issuer,
      ...(settings.audience === undefined ? {} : { audience: settings.audience }),
      defaultClientId: passwordLoginClientId,
      // The FastAPI app's tokens are accepted while the migration window is open.
      ...(settings.legacyTokensUntil === undefined || settings.jwtSecret === undefined
        ? {}
        : {
            legacy: createLegacyKeySource({
              secret: Buffer.from(settings.jwtSecret, "utf8"),
              clock,
              acceptUntil: settings.legacyTokensUntil,
            }),
          }),
    }),
    metrics,
  );
  // Left by a database from before usernames were unique in their canonical form: both accounts
  // keep working by their exact names until an operator deletes one (docs/operations.md).
  for (const group of await store.users.findCaseCollisions()) {
    logger.warn("accounts whose usernames differ only by case; delete all but one", {
      usernames: group,
    });
  }
  if (settings.demo) {
    const seeded = await seedDemoData(store, hasher);
    logger.info(
      seeded
        ? "demo mode: seeded users johndoe (active) and alice (disabled)"
        : "demo mode: the database already holds users, so no demo data was added",
    );
  }
  if (settings.docsClient && (await ensureDocsClient(store.clients, scopes, settings.issuer))) {
    logger.info("registered the docs client for Swagger UI's authorization code flow", {
      clientId: docsClientId,
    });
  }
  return {
    settings,
    store,
    hasher,
    passwordPolicy: createPasswordPolicy({ minLength: settings.passwordMinLength }),
    scopes,
    tokens,
    refreshPolicy: settings.refreshTokens,
    throttle: createLoginThrottle({ store: store.throttle, clock, policy: settings.throttle }),
    ...(settings.deviceProofSecret === undefined
      ? {}
      : {
          deviceProofs: createDeviceProofs({
            secret: Buffer.from(settings.deviceProofSecret, "utf8"),
            clock,
          }),
        }),
    clients: parts.clients,
    ...(parts.changes === undefined ? {} : { changes: parts.changes }),
    publicKeys: keys.publicKeys,
    // Resource servers verify the SETs with the JWKS, so a shared secret cannot sign them.
    ...(settings.jwtSecret === undefined
      ? {
          securityEvents: createSecurityEventSigner({
            keys: keys.set,
            issuer: settings.issuer,
            clock,
          }),
        }
      : {}),
    clock,
    logger,
    metrics,
    async close() {
      await hasher.close();
      await store.close();
    },
  };
}

interface OpenedStore {
  readonly store: Store;
  /** The connections the store holds, for the `gatehouse_db_connections` gauges. */
  readonly database: (() => DatabasePoolState) | undefined;
}

async function openStore(settings: Settings, clock: Clock): Promise<OpenedStore> {
  const location = settings.database;
  switch (location.kind) {
    case "sqlite": {
      const store = createSqliteStore({ path: location.path, clock });
      let open = true;
      const close = store.close;
      // node:sqlite holds one connection per store.
      return {
        store: {
          ...store,
          async close() {
            await close();
            open = false;
          },
        },
        database: () => ({ driver: "sqlite", open: open ? 1 : 0 }),
      };
    }
    case "postgres": {
      const store = await createPostgresStore({
        url: location.url,
        poolSize: settings.databasePoolSize,
        readCache:
          settings.databaseCachedUsers === 0
            ? false
            : { userCapacity: settings.databaseCachedUsers },
        clock,
      });
      return {
        store,
        database: () => {
          const pool = store.poolStats();
          const reads = store.readState();
          return {
            driver: "postgres",
            open: pool.total,
            idle: pool.idle,
            waiting: pool.waiting,
            reads: {
              mode: reads.mode,
              appliedSequence: reads.appliedSequence,
              cachedUsers: reads.sizes.users,
              deniedTokens: reads.sizes.deniedTokens,
              cachedClients: reads.sizes.clients,
            },
          };
        },
      };
    }
  }
}

function hasPoolStats(hasher: PasswordHasher): hasher is Argon2Hasher {
  return "stats" in hasher && typeof hasher.stats === "function";
}

/** How old the key snapshot may be when `/.well-known/jwks.json` is served. */
const jwksFreshnessMs = 1000;

interface LoadedKeys {
  readonly set: TokenKeySet;
  publicKeys(): Promise<readonly PublishedJwk[]>;
}

async function loadSigningKeys(
  settings: Settings,
  store: Store,
  clock: Clock,
  logger: Logger,
): Promise<LoadedKeys> {
  if (settings.jwtSecret !== undefined) {
    // A configured secret is the one HS256 key: nothing to rotate, nothing to publish.
    const secret = Buffer.from(settings.jwtSecret, "utf8");
    const key = { kid: deriveKeyId(secret), algorithm: "HS256", secret } as const;
    return {
      set: staticKeySet(key),
      publicKeys: async () => [],
    };
  }
  // No secret configured: generate a key on first start and keep it in the database, so
  // restarts and every instance sharing the database sign and verify with the same keys.
  const active = await store.signingKeys.ensureSigningKey(
    generateSigningKey(settings.signingAlgorithm, clock.now()),
  );
  if (active.algorithm !== settings.signingAlgorithm) {
    logger.warn("the active signing key uses another algorithm than configured", {
      kid: active.kid,
      active: active.algorithm,
      configured: settings.signingAlgorithm,
      hint: "run `gatehouse keys rotate` to switch",
    });
  }
  const ring = await createKeyRing({
    store: store.signingKeys,
    clock,
    onRefreshError: (error) =>
      logger.error("reading the signing keys failed; keeping the last ones", {
        error: error instanceof Error ? error.message : String(error),
      }),
  });
  return {
    set: ring,
    async publicKeys() {
      // A key rotated in on another instance is published here within a second; if the store
      // cannot be read, the keys last read are served.
      await ring.refreshIfOlderThan(jwksFreshnessMs).catch((error: unknown) =>
        logger.error("reading the signing keys for the JWKS failed", {
          error: error instanceof Error ? error.message : String(error),
        }),
      );
      return ring.publicKeys();
    },
  };
}
