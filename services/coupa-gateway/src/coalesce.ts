/**
 * Turns a batch operation into a per-item one: the calls made in one turn of the event loop, and
 * those made while a batch is running, go together into the next batch (at most `maxBatch`
 * items), so concurrent callers share one round trip. Each caller gets its own result (by
 * position in the batch); a batch that throws rejects each of its callers with that error.
 * The queue holds only what callers are awaiting, so it is bounded by the callers' own bounds.
 */
export function coalesce<T, R>(runBatch: (items: readonly T[]) => Promise<readonly R[]>, maxBatch = 500): (item: T) => Promise<R> {
  const queue: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  let draining = false;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      try {
        const results = await runBatch(batch.map((q) => q.item));
        batch.forEach((q, i) => q.resolve(results[i]!));
      } catch (error) {
        for (const q of batch) q.reject(error);
      }
    }
    draining = false;
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (draining) return;
      draining = true;
      // After this turn's other callers (they settle together when one Kafka send is acknowledged).
      setImmediate(() => void drain());
    });
}
