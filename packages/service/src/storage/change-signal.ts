// Telling the readers of a store's change feed that it may have grown (ChangeFeed.watch).

/** The two sides of a feed's growth signal. */
export interface ChangeSignal {
  /** {@link ChangeFeed.watch}: `listener` is called after each signal until the returned stop. */
  watch(listener: () => void): () => void;
  /**
   * Says the feed may have grown. Listeners are called once on the next turn of the event loop,
   * however many signals came before it: after the transaction that appended has committed.
   */
  signal(): void;
}

/** Creates a growth signal with no listener yet. */
export function createChangeSignal(): ChangeSignal {
  const listeners = new Set<() => void>();
  let pending = false;
  const notify = (): void => {
    pending = false;
    for (const listener of listeners) listener();
  };
  return {
    watch(listener) {
      // Each call is its own subscription, even for the same function.
      const entry = (): void => listener();
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    signal() {
      if (pending || listeners.size === 0) return;
      pending = true;
      setImmediate(notify);
    },
  };
}
