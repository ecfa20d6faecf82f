import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRestartPolicy } from './backoff.js';

test('delays double up to the cap, then the policy gives up', () => {
  const policy = createRestartPolicy({ maxRestarts: 4, initialDelayMs: 1000, maxDelayMs: 5000, stableAfterMs: 60_000 });
  assert.deepEqual(policy.onExit(10), { restart: true, attempt: 1, delayMs: 1000 });
  assert.deepEqual(policy.onExit(10), { restart: true, attempt: 2, delayMs: 2000 });
  assert.deepEqual(policy.onExit(10), { restart: true, attempt: 3, delayMs: 4000 });
  assert.deepEqual(policy.onExit(10), { restart: true, attempt: 4, delayMs: 5000 });
  assert.deepEqual(policy.onExit(10), { restart: false, attempts: 4 });
  assert.deepEqual(policy.onExit(10), { restart: false, attempts: 4 });
});

test('a stable run starts the backoff afresh', () => {
  const policy = createRestartPolicy({ maxRestarts: 2, initialDelayMs: 100, maxDelayMs: 1000, stableAfterMs: 5000 });
  policy.onExit(1);
  assert.deepEqual(policy.onExit(1), { restart: true, attempt: 2, delayMs: 200 });
  assert.deepEqual(policy.onExit(5000), { restart: true, attempt: 1, delayMs: 100 });
});

test('maxRestarts 0 never restarts', () => {
  assert.deepEqual(createRestartPolicy({ maxRestarts: 0 }).onExit(0), { restart: false, attempts: 0 });
});

test('an invalid policy is refused', () => {
  assert.throws(() => createRestartPolicy({ initialDelayMs: 0 }), RangeError);
  assert.throws(() => createRestartPolicy({ initialDelayMs: 2000, maxDelayMs: 1000 }), RangeError);
});
