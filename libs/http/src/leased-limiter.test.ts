import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLeasedRateLimiter, fallbackShare, leaseWant, maxLeaseSize, refillWaitMs, sharedCapacity, type Lease, type LeaseSource } from './leased-limiter.js';
import type { RateLimiter } from './types.js';

test('maxLeaseSize: rate × 0.2 s, at least 1 token, never more than the burst', () => {
  assert.equal(maxLeaseSize({ ratePerSecond: 25, burst: 20 }), 5);
  assert.equal(maxLeaseSize({ ratePerSecond: 4.9, burst: 1 }), 1, 'ION at 300/min: one token a lease');
  assert.equal(maxLeaseSize({ ratePerSecond: 1000, burst: 20 }), 20);
  assert.equal(maxLeaseSize({ ratePerSecond: 0.5, burst: 5 }), 1);
  assert.equal(maxLeaseSize({ ratePerSecond: 25, burst: 20 }, 1), 20);
});

test('leaseWant: what the queued callers need, 1 to the largest lease', () => {
  assert.equal(leaseWant(0, 5), 1);
  assert.equal(leaseWant(3, 5), 3);
  assert.equal(leaseWant(9, 5), 5);
});

test('refillWaitMs: the time to one token, from what the bucket said it holds', () => {
  assert.equal(refillWaitMs(0, 25), 40);
  assert.equal(refillWaitMs(0.5, 25), 20);
  assert.equal(refillWaitMs(0.99999, 25), 2, 'never a busy loop');
  assert.equal(refillWaitMs(-3, 10), 100, 'a negative answer counts as empty');
});

test('sharedCapacity: 100 ms of the rate kept in reserve against arrival jitter, at least one token, capacity at least 1', () => {
  assert.equal(sharedCapacity({ ratePerSecond: 25, burst: 20 }), 17);
  assert.equal(sharedCapacity({ ratePerSecond: 5, burst: 20 }), 19);
  assert.equal(sharedCapacity({ ratePerSecond: 25, burst: 2 }), 1);
  assert.equal(sharedCapacity({ ratePerSecond: 4.9, burst: 1 }), 1, 'ION: burst 1, its headroom is in the rate');
});

test('fallbackShare: the limit divided by the expected replicas, burst at least 1', () => {
  assert.deepEqual(fallbackShare({ ratePerSecond: 25, burst: 20 }, 3), { ratePerSecond: 25 / 3, burst: 6 });
  assert.deepEqual(fallbackShare({ ratePerSecond: 5, burst: 1 }, 4), { ratePerSecond: 1.25, burst: 1 });
  assert.throws(() => fallbackShare({ ratePerSecond: 5, burst: 1 }, 0), RangeError);
});

// A bucket in memory with a clock of our own: the limiter's protocol without wall time.
function memoryBucket(capacity: number, rate: number) {
  let t = 0;
  let tokens = capacity;
  let last = 0;
  const asked: number[] = [];
  const source: LeaseSource & { fail?: Error; hang?: boolean } = {
    async lease(want) {
      asked.push(want);
      if (source.fail) throw source.fail;
      if (source.hang) return new Promise<Lease>(() => undefined);
      tokens = Math.min(capacity, tokens + ((t - last) / 1000) * rate);
      last = t;
      const granted = Math.min(want, Math.floor(tokens));
      tokens -= granted;
      return { granted, remaining: tokens };
    },
    async drain() {
      tokens = 0;
    },
  };
  return { source, asked, now: () => t, advance: (ms: number) => void (t += ms), tokens: () => tokens };
}

function countingFallback(): RateLimiter & { taken: number } {
  const limiter = {
    taken: 0,
    async take() {
      limiter.taken += 1;
    },
  };
  return limiter;
}

test('queued callers are served from leases sized to the queue; a dry bucket is waited out for the time it names', async () => {
  const bucket = memoryBucket(2, 10);
  const waits: number[] = [];
  const limiter = createLeasedRateLimiter({
    name: 'acme/coupa',
    ratePerSecond: 10,
    burst: 2,
    source: bucket.source,
    fallback: countingFallback(),
    leaseSeconds: 0.5,
    now: bucket.now,
    sleep: async (ms) => {
      waits.push(ms);
      bucket.advance(ms);
    },
  });
  await Promise.all([limiter.take(), limiter.take(), limiter.take(), limiter.take()]);
  // The first caller leases alone; the three queued behind it ask for 2 (the largest lease, the
  // burst) and get the bucket's last token; then it is dry → 100 ms per token, asked again.
  assert.deepEqual(bucket.asked, [1, 2, 2, 2, 1, 1]);
  assert.deepEqual(waits, [100, 100]);
  assert.equal(limiter.usingFallback(), false);
});

test('a failing or hanging shared bucket sends callers to the fallback (logged once, without the error details beyond the message), then recovers', async () => {
  const bucket = memoryBucket(5, 10);
  const fallback = countingFallback();
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
  const logger = {
    warn: (obj: Record<string, unknown>, msg: string) => void lines.push({ level: 'warn', obj, msg }),
    info: (obj: Record<string, unknown>, msg: string) => void lines.push({ level: 'info', obj, msg }),
  };
  const limiter = createLeasedRateLimiter({
    name: 'acme/coupa',
    ratePerSecond: 10,
    burst: 5,
    source: bucket.source,
    fallback,
    leaseTimeoutMs: 20,
    fallbackForMs: 1000,
    logger: logger as never,
    now: bucket.now,
    sleep: async (ms) => bucket.advance(ms),
  });
  bucket.source.fail = new Error('connect ECONNREFUSED 127.0.0.1:5432');
  await limiter.take();
  await limiter.take();
  assert.equal(fallback.taken, 2, 'both went to the local bucket');
  assert.equal(bucket.asked.length, 1, 'the shared bucket is not asked again during the fallback period');
  assert.equal(limiter.usingFallback(), true);

  bucket.advance(1000);
  bucket.source.fail = undefined;
  bucket.source.hang = true;
  await limiter.take();
  assert.equal(fallback.taken, 3, 'a lease with no answer times out into the fallback');

  bucket.advance(1000);
  await limiter.take();
  assert.equal(fallback.taken, 4, 'no second lease beside one still hanging');
  assert.equal(bucket.asked.length, 2);

  const warns = lines.filter((l) => l.level === 'warn');
  assert.equal(warns.length, 1, 'one line when the fallback starts');
  assert.equal(warns[0]!.obj.reason, 'connect ECONNREFUSED 127.0.0.1:5432');
  assert.equal(warns[0]!.obj.limiter, 'acme/coupa');
});

test('a 429 drops held tokens and drains the shared bucket; an aborted caller leaves the queue', async () => {
  const bucket = memoryBucket(5, 10);
  const limiter = createLeasedRateLimiter({
    name: 'acme/coupa',
    ratePerSecond: 10,
    burst: 5,
    source: bucket.source,
    fallback: countingFallback(),
    now: bucket.now,
    sleep: async (ms) => bucket.advance(ms),
  });
  await limiter.take();
  assert.equal(bucket.tokens(), 4);
  limiter.onRateLimited();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(bucket.tokens(), 0);

  const controller = new AbortController();
  controller.abort(new Error('shutting down'));
  await assert.rejects(limiter.take(controller.signal), /shutting down/);
});
