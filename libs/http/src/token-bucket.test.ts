import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAdaptiveTokenBucket, createTokenBucket, perMinute } from './token-bucket.js';

// A fake clock and a sleep that records the computed wait: no wall time is involved.
function fakeTime() {
  let now = 0;
  const waits: number[] = [];
  return {
    now: () => now,
    advance: (ms: number) => void (now += ms),
    waits,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      waits.push(Math.round(ms));
    },
  };
}

test('the burst goes at once, then callers are paced at the rate, in call order', async () => {
  const time = fakeTime();
  const bucket = createTokenBucket({ ratePerSecond: 2, burst: 2, now: time.now, sleep: time.sleep });
  await Promise.all([bucket.take(), bucket.take(), bucket.take(), bucket.take()]);
  assert.deepEqual(time.waits, [500, 1000]);
});

test('tokens refill with elapsed time, never beyond the burst', async () => {
  const time = fakeTime();
  const bucket = createTokenBucket({ ratePerSecond: 1, burst: 2, now: time.now, sleep: time.sleep });
  await bucket.take();
  await bucket.take();
  time.advance(10_000);
  await bucket.take();
  await bucket.take();
  await bucket.take();
  assert.deepEqual(time.waits, [1000]);
});

test('perMinute converts an ION-style limit', async () => {
  const time = fakeTime();
  const bucket = createTokenBucket({ ratePerSecond: perMinute(120), burst: 1, now: time.now, sleep: time.sleep });
  await bucket.take();
  await bucket.take();
  await bucket.take();
  assert.deepEqual(time.waits, [500, 1000]);
});

test('an aborted wait gives its reservation back', async () => {
  const time = fakeTime();
  const bucket = createTokenBucket({ ratePerSecond: 1, burst: 1, now: time.now, sleep: time.sleep });
  await bucket.take();
  await assert.rejects(bucket.take(AbortSignal.abort()), { name: 'AbortError' });
  await bucket.take();
  assert.deepEqual(time.waits, [1000]);
});

test('invalid sizes are refused up front', () => {
  assert.throws(() => createTokenBucket({ ratePerSecond: 0, burst: 1 }), RangeError);
  assert.throws(() => createTokenBucket({ ratePerSecond: 1, burst: 0.5 }), RangeError);
});

test('adaptive: a 429 halves the rate once per cooldown and drains the burst; successes recover slowly', async () => {
  const time = fakeTime();
  const bucket = createAdaptiveTokenBucket({
    initialRatePerSecond: 8,
    minRatePerSecond: 1,
    maxRatePerSecond: 8,
    burst: 4,
    increasePerSuccess: 0.5,
    decreaseCooldownMs: 1000,
    now: time.now,
    sleep: time.sleep,
  });
  bucket.onRateLimited();
  bucket.onRateLimited(); // same overload
  assert.equal(bucket.currentRate(), 4);
  await bucket.take(); // burst drained: waits one slot at the new rate
  assert.deepEqual(time.waits, [250]);

  time.advance(1000);
  bucket.onRateLimited();
  time.advance(1000);
  bucket.onRateLimited();
  time.advance(1000);
  bucket.onRateLimited();
  assert.equal(bucket.currentRate(), 1, 'never below the minimum');

  for (let i = 0; i < 4; i += 1) bucket.onSuccess();
  assert.equal(bucket.currentRate(), 3);
  for (let i = 0; i < 100; i += 1) bucket.onSuccess();
  assert.equal(bucket.currentRate(), 8, 'never above the maximum');
});
