import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MlcError } from '@mlc/errors';
import { backoffDelay } from './backoff.js';

const opts = { initialMs: 100, maxMs: 1_000 };

test('the ceiling doubles per attempt and is capped at maxMs', () => {
  const ceilings = [1, 2, 3, 4, 5, 50, 5_000].map((attempt) => backoffDelay(attempt, opts, () => 1));
  assert.deepEqual(ceilings, [100, 200, 400, 800, 1_000, 1_000, 1_000]);
});

test('equal jitter keeps at least half of the ceiling', () => {
  assert.deepEqual([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, opts, () => 0)), [50, 100, 200, 400]);
  for (let i = 0; i < 200; i += 1) {
    const delay = backoffDelay(3, opts);
    assert.ok(delay >= 200 && delay <= 400, `delay ${delay} outside [200, 400]`);
  }
});

test('attempts below 1 or fractional are a programming error', () => {
  for (const attempt of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => backoffDelay(attempt, opts), (e: unknown) => e instanceof MlcError && e.code === 'MLC_INTERNAL');
  }
});
