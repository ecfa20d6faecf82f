/**
 * Key-concurrent handling of one fetched batch (the runtime's `keyConcurrency`): up to
 * `concurrency` items in progress at once, items of different keys side by side, the items of one
 * key strictly one after another in batch (offset) order, and every result handed on in batch
 * order, whatever order the items finish in.
 *
 * - An item starts only once the item before it of the same key has finished (an item "in
 *   progress" may be waiting for that; it holds its slot meanwhile).
 * - `deliver` is called (and awaited) for each finished item in batch order, as soon as it and
 *   every item before it have finished; never for an item after the first one that `stops`, throws
 *   or did not run.
 * - Once an item `stops` (a retry) or throws, nothing after it starts, and an item that had not
 *   started yet (waiting for its key) is not run; items before it still run. The same once
 *   `canStart()` is false (stop, rebalance, a failed commit window).
 * - Returns after every started item has finished: never leaves work running. A non-`Interrupted`
 *   error of any item is rethrown (the first in batch order); otherwise an error at the first
 *   undelivered item is rethrown, so the caller knows its batch was cut short.
 *
 * With `concurrency` 1 this is the plain sequential loop: handle, deliver, next.
 */
export interface RunKeyLanesParams<T, R> {
  items: readonly T[];
  /** Items of one key are handled one after another, in batch order. */
  keyOf(item: T): string;
  concurrency: number;
  /** Checked before each start: false stops starting (items already running finish). */
  canStart(): boolean;
  run(item: T): Promise<R>;
  /** A result after which nothing more may be delivered or started (a retry pause). */
  stops(result: R): boolean;
  /** Receives finished items in batch order (the record window's `add`). */
  deliver(item: T, result: R): Promise<void>;
  /** Errors that only mean "we were told to stop" (they do not win over a stopping result). */
  isInterruption(error: unknown): boolean;
}

/** Where a batch ended: every item delivered, or the first item that stopped it and its result. */
export type KeyLanesEnd<T, R> = { stopped?: undefined } | { stopped: { item: T; result: R } };

type Slot<R> = { state: 'running' } | { state: 'done'; result: R } | { state: 'failed'; error: unknown } | { state: 'skipped' };

export async function runKeyLanes<T, R>(params: RunKeyLanesParams<T, R>): Promise<KeyLanesEnd<T, R>> {
  if (params.concurrency === 1) return runInOrder(params);
  const { items, keyOf, concurrency, canStart, run, stops, deliver, isInterruption } = params;
  const slots: Slot<R>[] = [];
  /** The last started item per key, settled (never rejecting) when it has finished. */
  const tails = new Map<string, Promise<void>>();
  /** Lowest index that stopped the batch (a stopping result or an error). */
  let stopAt = Number.POSITIVE_INFINITY;
  let inFlight = 0;
  let wake: (() => void) | undefined;
  let next = 0;
  let ended: { item: T; result: R } | undefined;

  const settle = (index: number, slot: Slot<R>): void => {
    slots[index] = slot;
    if ((slot.state === 'done' && stops(slot.result)) || slot.state === 'failed') stopAt = Math.min(stopAt, index);
    inFlight -= 1;
    const w = wake;
    wake = undefined;
    w?.();
  };

  const start = (index: number, item: T): void => {
    // One at a time needs no keys: the item before has finished.
    const key = concurrency === 1 ? undefined : keyOf(item);
    const before = key === undefined ? undefined : tails.get(key);
    slots[index] = { state: 'running' };
    inFlight += 1;
    const task = (async () => {
      if (before !== undefined) await before;
      // An item after the one that stopped the batch, or after a stop, is not started.
      if (stopAt < index || !canStart()) return settle(index, { state: 'skipped' });
      try {
        settle(index, { state: 'done', result: await run(item) });
      } catch (error) {
        settle(index, { state: 'failed', error });
      }
    })();
    // Kept for the batch only; a key's later item waits for this one.
    if (key !== undefined) tails.set(key, task);
  };

  /** Delivers the finished prefix, in order; stops at the first item not finished well. */
  const deliverReady = async (): Promise<void> => {
    while (ended === undefined && next < slots.length) {
      const slot = slots[next];
      if (slot === undefined || slot.state !== 'done') return;
      const item = items[next] as T;
      if (stops(slot.result)) {
        ended = { item, result: slot.result };
        return;
      }
      next += 1;
      await deliver(item, slot.result);
    }
  };

  const oneSettled = (): Promise<void> =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });

  try {
    for (let index = 0; index < items.length; index += 1) {
      while (inFlight >= concurrency) await oneSettled();
      await deliverReady();
      if (stopAt < index || ended !== undefined || !canStart()) break;
      start(index, items[index] as T);
    }
  } finally {
    // Never return with a handler still running: kafkajs considers the batch done when we do.
    while (inFlight > 0) await oneSettled();
  }
  await deliverReady();

  const failures = slots.flatMap((slot) => (slot.state === 'failed' ? [slot.error] : []));
  const unexpected = failures.find((error) => !isInterruption(error));
  if (unexpected !== undefined) throw unexpected;
  if (ended !== undefined) return { stopped: ended };
  const first = slots[next];
  if (first?.state === 'failed') throw first.error;
  return {};
}

/**
 * `runKeyLanes` at concurrency 1, the default: the same contract as the plain loop it is, without
 * the slots, per-item tasks and wake-up promises of the concurrent path (several promises per
 * message, in the runtime's hottest loop). An item's error is the first and only one: rethrown.
 */
async function runInOrder<T, R>({ items, canStart, run, stops, deliver }: RunKeyLanesParams<T, R>): Promise<KeyLanesEnd<T, R>> {
  for (const item of items) {
    if (!canStart()) break;
    const result = await run(item);
    if (stops(result)) return { stopped: { item, result } };
    await deliver(item, result);
  }
  return {};
}
