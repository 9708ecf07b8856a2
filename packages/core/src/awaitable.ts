// A port's answer that may come at once or later: SQLite answers a read synchronously, PostgreSQL
// with a promise. Callers that `await` it need not care; a hot path that checks can skip the
// microtasks an `await` of a plain value still costs.

/** A value now, or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** Tells whether `value` is still to come. */
export function isPending<T>(value: Awaitable<T>): value is Promise<T> {
  return value instanceof Promise;
}
