/** The source of the current time, injected so tests can fix it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock stopped at `at` (milliseconds); `advance` moves it. For tests and tools. */
export function createFixedClock(at: number): Clock & { advance(ms: number): void } {
  let current = at;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
  };
}
