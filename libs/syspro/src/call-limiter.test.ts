import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMlcError } from '@mlc/errors';
import { createCallLimiter } from './call-limiter.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

test('runs at most `concurrency` calls at once, the rest in arrival order', async () => {
  const limiter = createCallLimiter({ concurrency: 2, maxQueued: 10, name: 't' });
  const gates = [gate(), gate(), gate(), gate()];
  const started: number[] = [];
  const calls = gates.map((g, i) =>
    limiter.run(async () => {
      started.push(i);
      await g.opened;
      return i;
    }),
  );
  await Promise.resolve();
  assert.deepEqual(started, [0, 1]);
  assert.deepEqual(limiter.stats, { running: 2, queued: 2 });
  gates[1]!.open();
  assert.equal(await calls[1], 1);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, [0, 1, 2]);
  for (const g of gates) g.open();
  assert.deepEqual(await Promise.all(calls), [0, 1, 2, 3]);
  assert.deepEqual(limiter.stats, { running: 0, queued: 0 });
});

test('a failing call frees its slot', async () => {
  const limiter = createCallLimiter({ concurrency: 1, maxQueued: 1, name: 't' });
  await assert.rejects(limiter.run(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await limiter.run(() => Promise.resolve('next')), 'next');
  assert.deepEqual(limiter.stats, { running: 0, queued: 0 });
});

test('a call beyond the queue bound is refused with a retriable error', async () => {
  const limiter = createCallLimiter({ concurrency: 1, maxQueued: 1, name: 'syspro-enet:EDU1' });
  const g = gate();
  const first = limiter.run(() => g.opened);
  const second = limiter.run(() => Promise.resolve());
  const refused = await limiter.run(() => Promise.resolve()).then(
    () => assert.fail('expected a refusal'),
    (error: unknown) => error,
  );
  assert.ok(isMlcError(refused));
  assert.equal(refused.code, 'MLC_HTTP_RATE_LIMITED');
  assert.equal(refused.retriable, true);
  g.open();
  await Promise.all([first, second]);
  assert.throws(() => createCallLimiter({ concurrency: 0, maxQueued: 1, name: 't' }), (e: unknown) => isMlcError(e) && e.code === 'MLC_CONFIG_INVALID');
});
