// The port a store implements so a load balancer can ask whether this instance may take traffic.

/** Whether the store can serve requests now. `detail` is safe to show: it names no path or host. */
export interface Readiness {
  readonly ok: boolean;
  readonly detail: string;
  /**
   * For a store that caches what the hot path reads (PostgreSQL): `cached` while its change feed
   * keeps the caches current, `direct` while it reads the database on every request instead.
   */
  readonly reads?: "cached" | "direct";
}

/** Answers `/readyz`: the database is reachable and its schema is current. */
export interface ReadinessCheck {
  /** Never throws: an unreachable database is `{ ok: false }`. */
  checkReady(): Promise<Readiness>;
}
