import { MlcError } from '@mlc/errors';

export interface CallLimiterParams {
  /** Calls running at once. */
  concurrency: number;
  /** Calls waiting for a slot; one more is refused. */
  maxQueued: number;
  /** Named in the refusal, so the operator knows which connection is saturated. */
  name: string;
}

export interface CallLimiter {
  run<T>(call: () => Promise<T>): Promise<T>;
  /** Running and waiting calls, for tests and metrics. */
  readonly stats: { running: number; queued: number };
}

/**
 * At most `concurrency` calls at once, the rest waiting first in, first out in a bounded queue.
 * SYSPRO e.net is bounded by licences, not a request rate: each concurrent business-object call
 * holds one, so the writer must never run more than the customer licensed. A call refused because
 * the queue is full is MLC_HTTP_RATE_LIMITED (retriable: the event is retried in place later).
 */
export function createCallLimiter({ concurrency, maxQueued, name }: CallLimiterParams): CallLimiter {
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) throw new MlcError('MLC_CONFIG_INVALID', 'concurrency must be a positive integer', { context: { name, concurrency } });
  if (!Number.isSafeInteger(maxQueued) || maxQueued < 0) throw new MlcError('MLC_CONFIG_INVALID', 'maxQueued must be a non-negative integer', { context: { name, maxQueued } });
  let running = 0;
  const waiting: Array<() => void> = [];

  function release(): void {
    const next = waiting.shift();
    // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
    if (next) next();
    else running -= 1;
  }

  return {
    async run<T>(call: () => Promise<T>): Promise<T> {
      if (running >= concurrency) {
        if (waiting.length >= maxQueued) {
          throw new MlcError('MLC_HTTP_RATE_LIMITED', `${name}: all ${concurrency} e.net slot(s) busy and ${maxQueued} call(s) waiting`, {
            context: { limiter: name, concurrency, maxQueued },
          });
        }
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        running += 1;
      }
      try {
        return await call();
      } finally {
        release();
      }
    },
    get stats() {
      return { running, queued: waiting.length };
    },
  };
}
