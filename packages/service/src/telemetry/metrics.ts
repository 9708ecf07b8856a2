// The service's Prometheus metrics: one registry per process, fed by the HTTP layer and the hasher.

import { isAuthError } from "gatehouse-auth-core/errors";
import type { HashPoolStats } from "gatehouse-auth-core/passwords/hash-pool";
import type { TokenService } from "gatehouse-auth-core/tokens/tokens";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** How a token verification ended, as counted by `gatehouse_token_verifications_total`. */
type VerificationOutcome = "valid" | "legacy" | "invalid" | "expired";

/** The database connections a store holds, for `gatehouse_db_connections`. */
export interface DatabasePoolState {
  readonly driver: string;
  /** Connections open now (SQLite: 1 while the store is open). */
  readonly open: number;
  /** Open connections no statement is using (PostgreSQL's pool). */
  readonly idle?: number;
  /** Statements waiting for a connection because the pool is full (PostgreSQL's pool). */
  readonly waiting?: number;
  /** How the hot path reads, for a store whose caches the change feed keeps (PostgreSQL). */
  readonly reads?: {
    readonly mode: "cached" | "direct";
    /** The last change event applied to the caches. */
    readonly appliedSequence: number;
    readonly cachedUsers: number;
    readonly deniedTokens: number;
    readonly cachedClients: number;
  };
}

/** Where the gauges read their values when Prometheus scrapes. */
export interface MetricSources {
  readonly hashPool?: () => HashPoolStats;
  readonly database?: () => DatabasePoolState;
}

/** Records what the service does and renders it in the Prometheus text format. */
export interface Metrics {
  /** `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** Counts a login by outcome: `succeeded`, or the failure's reason code. */
  countLogin(outcome: string): void;
  countTokenVerification(outcome: VerificationOutcome): void;
  observeHashWait(seconds: number): void;
  /** The current values of every metric, in the Prometheus text exposition format. */
  render(): Promise<string>;
}

/** Creates a fresh registry with Gatehouse's metrics; nothing is global, so tests get their own. */
export function createMetrics(sources: MetricSources = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({
    name: "gatehouse_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status.",
    labelNames: ["method", "route", "status"],
    registers,
  });
  const latency = new Histogram({
    name: "gatehouse_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by method, route pattern and status.",
    labelNames: ["method", "route", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const logins = new Counter({
    name: "gatehouse_logins_total",
    help: "Password grant attempts, by outcome (succeeded or the failure's reason code).",
    labelNames: ["outcome"],
    registers,
  });
  const verifications = new Counter({
    name: "gatehouse_token_verifications_total",
    help: "Access token verifications, by outcome (legacy: a FastAPI token in the migration window).",
    labelNames: ["outcome"],
    registers,
  });
  const hashWait = new Histogram({
    name: "gatehouse_hash_queue_wait_seconds",
    help: "Time a password hashing job waited for a worker.",
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const { hashPool, database } = sources;
  new Gauge({
    name: "gatehouse_hash_pool_jobs",
    help: "Password hashing jobs by state: running on a worker, or queued.",
    labelNames: ["state"],
    registers,
    collect() {
      const stats = hashPool?.();
      if (stats === undefined) return;
      this.set({ state: "running" }, stats.busy);
      this.set({ state: "queued" }, stats.queued);
    },
  });
  new Gauge({
    name: "gatehouse_hash_pool_workers",
    help: "The most password hashing worker threads the pool runs.",
    registers,
    collect() {
      const stats = hashPool?.();
      if (stats !== undefined) this.set(stats.size);
    },
  });
  new Gauge({
    name: "gatehouse_db_connections",
    help: "Database connections held by the store, by driver.",
    labelNames: ["driver"],
    registers,
    collect() {
      const state = database?.();
      if (state !== undefined) this.set({ driver: state.driver }, state.open);
    },
  });
  new Gauge({
    name: "gatehouse_db_connections_idle",
    help: "Open database connections no statement is using, by driver (pooled drivers only).",
    labelNames: ["driver"],
    registers,
    collect() {
      const state = database?.();
      if (state?.idle !== undefined) this.set({ driver: state.driver }, state.idle);
    },
  });
  new Gauge({
    name: "gatehouse_db_waiting",
    help: "Statements waiting for a free database connection, by driver (pooled drivers only).",
    labelNames: ["driver"],
    registers,
    collect() {
      const state = database?.();
      if (state?.waiting !== undefined) this.set({ driver: state.driver }, state.waiting);
    },
  });

  new Gauge({
    name: "gatehouse_store_read_mode",
    help: "1 for the way the hot path reads now: cached (the change feed keeps the caches current) or direct (the database on every request).",
    labelNames: ["mode"],
    registers,
    collect() {
      const reads = database?.().reads;
      if (reads === undefined) return;
      this.set({ mode: "cached" }, reads.mode === "cached" ? 1 : 0);
      this.set({ mode: "direct" }, reads.mode === "direct" ? 1 : 0);
    },
  });
  new Gauge({
    name: "gatehouse_change_feed_applied_sequence",
    help: "The last change event this instance applied to its caches.",
    registers,
    collect() {
      const reads = database?.().reads;
      if (reads !== undefined) this.set(reads.appliedSequence);
    },
  });
  new Gauge({
    name: "gatehouse_read_cache_entries",
    help: "Entries the hot path's caches hold: users (and names known not to exist), revoked token ids not yet expired, and clients (and ids known not to exist).",
    labelNames: ["cache"],
    registers,
    collect() {
      const reads = database?.().reads;
      if (reads === undefined) return;
      this.set({ cache: "users" }, reads.cachedUsers);
      this.set({ cache: "denied_tokens" }, reads.deniedTokens);
      this.set({ cache: "clients" }, reads.cachedClients);
    },
  });

  return {
    contentType: registry.contentType,
    observeRequest(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    countLogin: (outcome) => logins.inc({ outcome }),
    countTokenVerification: (outcome) => verifications.inc({ outcome }),
    observeHashWait: (seconds) => hashWait.observe(seconds),
    render: () => registry.metrics(),
  };
}

/** Wraps `tokens` so each verification is counted by outcome; issuing is untouched. */
export function countTokenVerifications(tokens: TokenService, metrics: Metrics): TokenService {
  return {
    issue: (subject, scopes, options) => tokens.issue(subject, scopes, options),
    refreshKeysFor: (token) => tokens.refreshKeysFor(token),
    verify(token) {
      try {
        const verified = tokens.verify(token);
        metrics.countTokenVerification(verified.tokenId.startsWith("legacy-") ? "legacy" : "valid");
        return verified;
      } catch (error) {
        metrics.countTokenVerification(isAuthError(error, "token_expired") ? "expired" : "invalid");
        throw error;
      }
    },
  };
}
