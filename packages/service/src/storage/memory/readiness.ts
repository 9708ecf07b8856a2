// Readiness of the in-memory store: ready for as long as it is open.
import type { ReadinessCheck } from "gatehouse-auth-core/readiness";

/** A {@link ReadinessCheck} that is ready until `isOpen` says otherwise. */
export function createMemoryReadiness(isOpen: () => boolean): ReadinessCheck {
  return {
    async checkReady() {
      return isOpen() ? { ok: true, detail: "ready" } : { ok: false, detail: "store closed" };
    },
  };
}
