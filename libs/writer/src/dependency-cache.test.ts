import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MlcError } from '@mlc/errors';
import { createDependencyCache } from './dependency-cache.js';

/** An existence check that counts how often the target was asked. */
function target(present: boolean) {
  const asked = { count: 0, present };
  return { asked, exists: async () => (asked.count++, asked.present) };
}

test('a confirmed dependency is trusted until its confirmation expires, then asked again', async () => {
  let clock = 0;
  const cache = createDependencyCache({ ttlMs: 1000, now: () => clock });
  const supplier = target(true);
  assert.equal(await cache.confirm('supplier:A', supplier.exists), true);
  clock = 999;
  assert.equal(await cache.confirm('supplier:A', supplier.exists), true);
  assert.equal(supplier.asked.count, 1);
  clock = 1000;
  supplier.asked.present = false;
  assert.equal(await cache.confirm('supplier:A', supplier.exists), false, 'expired: the target is asked, and it is gone');
  assert.equal(supplier.asked.count, 2);
});

test('a missing dependency is never remembered: the next call asks again', async () => {
  const cache = createDependencyCache({ now: () => 0 });
  const supplier = target(false);
  assert.equal(await cache.confirm('supplier:A', supplier.exists), false);
  supplier.asked.present = true;
  assert.equal(await cache.confirm('supplier:A', supplier.exists), true);
  assert.equal(supplier.asked.count, 2);
});

test('the cache is bounded: past maxEntries the oldest confirmation is dropped', async () => {
  const cache = createDependencyCache({ maxEntries: 2, now: () => 0 });
  const a = target(true);
  const b = target(true);
  const c = target(true);
  await cache.confirm('a', a.exists);
  await cache.confirm('b', b.exists);
  await cache.confirm('c', c.exists);
  await cache.confirm('b', b.exists);
  await cache.confirm('c', c.exists);
  assert.equal(b.asked.count + c.asked.count, 2, 'the two newest are still confirmed');
  await cache.confirm('a', a.exists);
  assert.equal(a.asked.count, 2, 'the oldest was dropped and is asked again');
});

test('require throws a retriable MLC_DEPENDENCY_MISSING with the given context', async () => {
  const cache = createDependencyCache();
  await cache.require('supplier:A', target(true).exists, { message: 'supplier A is not there yet', context: { supplierNumber: 'A' } });
  await assert.rejects(
    cache.require('supplier:B', target(false).exists, { message: 'supplier B is not there yet', context: { supplierNumber: 'B' } }),
    (e: MlcError) => e.code === 'MLC_DEPENDENCY_MISSING' && e.retriable && e.context.supplierNumber === 'B',
  );
});
