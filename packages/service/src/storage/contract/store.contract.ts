// Every port's contract suite, registered once: each adapter family's test calls this with its
// store factory, so a new port's suite reaches memory, SQLite and PostgreSQL alike.
import { type Clock, createFixedClock } from "gatehouse-auth-core/clock";
import type { Store } from "gatehouse-auth-core/ports";
import { describeAuditLogContract } from "./audit-log.contract.ts";
import { describeAuthorizationContracts } from "./authorization.contract.ts";
import { describeChangeFeedContract } from "./change-feed.contract.ts";
import { describeClientStoreContract } from "./clients.contract.ts";
import { describeAccessTokenDenylistContract } from "./denylist.contract.ts";
import { describeDeviceCodeStoreContract } from "./device-codes.contract.ts";
import { describeGuardedUserWritesContract } from "./guarded-writes.contract.ts";
import { describeNulInputContract } from "./nul-input.contract.ts";
import { describeReadinessContract } from "./readiness.contract.ts";
import { describeRefreshTokenStoreContract } from "./refresh-tokens.contract.ts";
import { describeSeedStoreContract } from "./seed.contract.ts";
import { describeSigningKeyStoreContract } from "./signing-keys.contract.ts";
import { describeThrottleStoreContract } from "./throttle.contract.ts";
import { describeUserDirectoryContract } from "./user-directory.contract.ts";
import { describeStoreContract } from "./users.contract.ts";

/**
 * Registers the contract suite of every port of {@link Store} for one adapter family, each as a
 * `describe` block named after `adapter` and the port. `openStore` must return a new, migrated,
 * empty store on `clock`; each test closes the store it got.
 */
export function describeStoreContracts(
  adapter: string,
  openStore: (clock: Clock) => Promise<Store>,
): void {
  describeStoreContract(`${adapter}: users`, openStore);
  describeGuardedUserWritesContract(`${adapter}: guarded user writes`, openStore);
  describeNulInputContract(`${adapter}: NUL characters`, openStore);
  describeSeedStoreContract(`${adapter}: seeding`, openStore);
  describeUserDirectoryContract(`${adapter}: user directory`, openStore);
  describeAuditLogContract(`${adapter}: audit log`, openStore);
  describeRefreshTokenStoreContract(`${adapter}: refresh tokens`, openStore);
  describeAccessTokenDenylistContract(`${adapter}: access token denylist`, openStore);
  describeSigningKeyStoreContract(`${adapter}: signing keys`, openStore);
  describeClientStoreContract(`${adapter}: clients`, openStore);
  describeDeviceCodeStoreContract(`${adapter}: device codes`, openStore);
  describeAuthorizationContracts(adapter, openStore);
  describeChangeFeedContract(`${adapter}: change feed`, openStore);
  describeReadinessContract(`${adapter}: readiness`, () =>
    openStore(createFixedClock(Date.UTC(2025, 0, 1))),
  );
  describeThrottleStoreContract(`${adapter}: throttle`, async () => {
    const store = await openStore(createFixedClock(Date.UTC(2025, 0, 1)));
    return { store: store.throttle, close: () => store.close() };
  });
}
