import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlcError } from './index.js';
import { backoffDelay } from './backoff.js';

const opts = { initialMs: 100, maxMs: 1_000 };

test('the ceiling doubles per attempt and is capped at maxMs', () => {
  const ceilings = [1, 2, 3, 4, 5, 50, 5_000].map((attempt) => backoffDelay(attempt, opts, () => 1));
  assert.deepEqual(ceilings, [100, 200, 400, 800, 1_000, 1_000, 1_000]);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 50, 5_000].map((attempt) => backoffDelay(attempt, { ...opts, jitter: 'none' }, () => 0)),
    [100, 200, 400, 800, 1_000, 1_000, 1_000],
  );
});

test('equal jitter (the default) keeps at least half of the ceiling', () => {
  assert.deepEqual([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, opts, () => 0)), [50, 100, 200, 400]);
  for (let i = 0; i < 200; i += 1) {
    const delay = backoffDelay(3, opts);
    assert.ok(delay >= 200 && delay <= 400, `delay ${delay} outside [200, 400]`);
  }
});

test('full jitter is uniform under the ceiling, down to zero', () => {
  const full = { ...opts, jitter: 'full' } as const;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, full, () => 0.999999)),
    [99, 199, 399, 799, 999, 999],
  );
  assert.equal(backoffDelay(3, full, () => 0), 0);
  for (let i = 0; i < 200; i += 1) {
    const delay = backoffDelay(3, full);
    assert.ok(delay >= 0 && delay < 400, `delay ${delay} outside [0, 400)`);
  }
});

test('no jitter ignores the random source', () => {
  assert.equal(backoffDelay(2, { ...opts, jitter: 'none' }, () => 0.3), 200);
});

test('attempts below 1 or fractional are a programming error', () => {
  for (const attempt of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => backoffDelay(attempt, opts), (e: unknown) => e instanceof MlcError && e.code === 'MLC_INTERNAL');
  }
});
