import { performance } from 'node:perf_hooks';
import { defaultSleep } from './sleep.js';
import type { RateLimiter, Sleep } from './types.js';

export interface TokenBucketParams {
  ratePerSecond: number;
  /** Tokens available at once (requests that may go back to back after an idle period). */
  burst: number;
  /** Monotonic milliseconds. */
  now?: () => number;
  sleep?: Sleep;
}

export interface TokenBucket {
  /** Resolves when the caller may send one request. Waiters are served in call order. */
  take(signal?: AbortSignal): Promise<void>;
}

/** Converts a vendor's requests-per-minute limit (ION: 100–500/min) into a rate. */
export function perMinute(requestsPerMinute: number): number {
  return requestsPerMinute / 60;
}

function assertRate(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
}

interface Bucket extends TokenBucket {
  setRate(ratePerSecond: number): void;
  /** Drops unused tokens (keeps reservations), so a burst does not run straight into more 429s. */
  drain(): void;
}

// Reservation style: `tokens` may go negative, each waiter reserving the slot at which the bucket
// refills to its token. The wait is computed once, so there is no queue, no polling, and with an
// injected clock and sleep the computed waits are exact.
function createBucket({ ratePerSecond, burst, now = () => performance.now(), sleep = defaultSleep }: TokenBucketParams): Bucket {
  assertRate('ratePerSecond', ratePerSecond);
  if (!Number.isInteger(burst) || burst < 1) throw new RangeError(`burst must be an integer >= 1, got ${burst}`);
  let rate = ratePerSecond;
  let tokens = burst;
  let last = now();

  function refill(): void {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - last) / 1000) * rate);
    last = t;
  }

  return {
    async take(signal) {
      signal?.throwIfAborted();
      refill();
      tokens -= 1;
      if (tokens >= 0) return;
      try {
        await sleep((-tokens / rate) * 1000, signal);
      } catch (error) {
        tokens += 1;
        throw error;
      }
    },
    setRate(next) {
      refill();
      rate = next;
    },
    drain() {
      refill();
      tokens = Math.min(tokens, 0);
    },
  };
}

/** A token bucket sized to a target's documented limit (Coupa: 25/s, burst 20). */
export function createTokenBucket(params: TokenBucketParams): TokenBucket {
  const { take } = createBucket(params);
  return { take };
}

export interface AdaptiveTokenBucketParams {
  initialRatePerSecond: number;
  minRatePerSecond: number;
  maxRatePerSecond: number;
  burst: number;
  /** Multiplicative decrease on a 429. */
  decreaseFactor?: number;
  /** Additive increase per successful response; default 1% of the maximum rate. */
  increasePerSuccess?: number;
  /** 429s within this window after a decrease belong to the same overload and do not decrease again. */
  decreaseCooldownMs?: number;
  now?: () => number;
  sleep?: Sleep;
}

export interface AdaptiveTokenBucket extends Required<RateLimiter> {
  currentRate(): number;
}

/**
 * AIMD for targets whose limit is unknown (ION gateway throttling is configured per tenant):
 * halve the rate on a 429, creep back up on successes, like TCP congestion control.
 */
export function createAdaptiveTokenBucket({
  initialRatePerSecond,
  minRatePerSecond,
  maxRatePerSecond,
  burst,
  decreaseFactor = 0.5,
  increasePerSuccess = maxRatePerSecond / 100,
  decreaseCooldownMs = 1000,
  now = () => performance.now(),
  sleep,
}: AdaptiveTokenBucketParams): AdaptiveTokenBucket {
  assertRate('minRatePerSecond', minRatePerSecond);
  assertRate('increasePerSuccess', increasePerSuccess);
  if (!(minRatePerSecond <= initialRatePerSecond && initialRatePerSecond <= maxRatePerSecond)) {
    throw new RangeError('expected minRatePerSecond <= initialRatePerSecond <= maxRatePerSecond');
  }
  if (!(decreaseFactor > 0 && decreaseFactor < 1)) throw new RangeError('decreaseFactor must be in (0, 1)');
  const bucket = createBucket({ ratePerSecond: initialRatePerSecond, burst, now, sleep });
  let rate = initialRatePerSecond;
  let lastDecrease = Number.NEGATIVE_INFINITY;

  return {
    take: bucket.take,
    onRateLimited() {
      bucket.drain();
      const t = now();
      if (t - lastDecrease < decreaseCooldownMs) return;
      lastDecrease = t;
      rate = Math.max(minRatePerSecond, rate * decreaseFactor);
      bucket.setRate(rate);
    },
    onSuccess() {
      if (rate >= maxRatePerSecond) return;
      rate = Math.min(maxRatePerSecond, rate + increasePerSuccess);
      bucket.setRate(rate);
    },
    currentRate: () => rate,
  };
}
