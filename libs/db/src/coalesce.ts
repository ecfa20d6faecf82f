export interface CoalesceOptions<T> {
  /** At most this many items per batch (default 500). */
  maxBatch?: number;
  /**
   * Items with the same key never share a batch: a later one waits for the next batch, so a
   * statement never meets one row twice (`on conflict do update` refuses that) and the calls
   * about one key run in the order they were made.
   */
  keyOf?: (item: T) => string;
  /**
   * Whether a batch's error is the fault of one item's data (e.g. `isRefusedData`), not of the
   * statement or the database: a batch of several that fails so has each of its items run again
   * alone, so only the faulty one fails (the others are not retried or dead-lettered for it).
   * Any other error rejects every item of the batch.
   */
  alone?: (error: unknown) => boolean;
}

/**
 * Turns a batch operation into a per-item one: the calls made in one turn of the event loop, and
 * those made while a batch is running, go together into the next batch, so concurrent callers
 * share one round trip. Each caller gets its own result (by position in the batch); a batch that
 * throws rejects each of its callers with that error (each adds its own context), unless `alone`. The queue holds
 * only what callers are awaiting, so it is bounded by the callers' own bounds.
 */
export function coalesce<T, R>(runBatch: (items: readonly T[]) => Promise<readonly R[]>, options: CoalesceOptions<T> = {}): (item: T) => Promise<R> {
  const { maxBatch = 500, keyOf, alone } = options;
  let queue: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  let draining = false;

  function nextBatch(): typeof queue {
    if (keyOf === undefined) return queue.splice(0, maxBatch);
    const keys = new Set<string>();
    const batch: typeof queue = [];
    const rest: typeof queue = [];
    for (const q of queue) {
      const key = keyOf(q.item);
      if (batch.length < maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(q);
      } else rest.push(q);
    }
    queue = rest;
    return batch;
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = nextBatch();
      try {
        const results = await runBatch(batch.map((q) => q.item));
        batch.forEach((q, i) => q.resolve(results[i]!));
      } catch (error) {
        if (batch.length > 1 && alone?.(error) === true) {
          for (const q of batch) await runBatch([q.item]).then(([result]) => q.resolve(result!), q.reject);
        } else for (const q of batch) q.reject(error);
      }
    }
    draining = false;
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (draining) return;
      draining = true;
      // After this turn's other callers (handlers resumed by one fetch, one Kafka ack, one response).
      setImmediate(() => void drain());
    });
}

/**
 * The calls of a batch as the columns of an `unnest($1::text[], $2::text[], …)`: `row` gives one
 * call's values in column order; `unnestColumns(calls, row)[c]` is column c of every call.
 */
export function unnestColumns<T>(items: readonly T[], row: (item: T) => readonly unknown[]): unknown[][] {
  const columns: unknown[][] = [];
  items.forEach((item, i) => row(item).forEach((value, c) => ((columns[c] ??= [])[i] = value)));
  return columns;
}
