// Keeping the audit trail to its configured age: a purge at startup, then every hour.
import type { AuditLog } from "gatehouse-auth-core/audit-log";
import type { Clock } from "gatehouse-auth-core/clock";
import type { Logger } from "../telemetry/logger.ts";

const dayMs = 24 * 60 * 60 * 1000;
const hourMs = 60 * 60 * 1000;

/** A running retention schedule. */
export interface AuditRetention {
  /** Purges now; resolves to how many events went. Failures are logged, never thrown. */
  purge(): Promise<number>;
  stop(): void;
}

/**
 * Purges audit events older than `days` now and every hour after. The timer is `unref`'d, so it
 * never keeps the process alive.
 */
export function startAuditRetention(options: {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly days: number;
  readonly logger: Logger;
}): AuditRetention {
  const { audit, clock, days, logger } = options;
  const purge = async (): Promise<number> => {
    try {
      const purged = await audit.purgeBefore(clock.now() - days * dayMs);
      if (purged > 0) logger.info("audit events purged", { purged, retentionDays: days });
      return purged;
    } catch (error) {
      logger.error("audit purge failed", {
        error: error instanceof Error ? error.message : String(error),
      });
      return 0;
    }
  };
  void purge();
  const timer = setInterval(() => void purge(), hourMs);
  timer.unref();
  return { purge, stop: () => clearInterval(timer) };
}
