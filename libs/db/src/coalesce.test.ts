import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalesce } from './coalesce.js';

test('calls of one turn share a batch; calls made while it runs share the next; each gets its own result', async () => {
  const batches: number[][] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const double = coalesce(async (items: readonly number[]) => {
    batches.push([...items]);
    if (batches.length === 1) await gate;
    return items.map((n) => n * 2);
  });
  const first = [1, 2, 3].map(double);
  await new Promise((resolve) => setImmediate(resolve));
  const second = [4, 5].map(double);
  release();
  assert.deepEqual(await Promise.all([...first, ...second]), [2, 4, 6, 8, 10]);
  assert.deepEqual(batches, [[1, 2, 3], [4, 5]]);
});

test('a failing batch rejects each of its callers; the next batch still runs; batches are at most maxBatch', async () => {
  const sizes: number[] = [];
  const run = coalesce(
    async (items: readonly string[]) => {
      sizes.push(items.length);
      if (items.includes('bad')) throw new Error('statement failed');
      return items.map((s) => s.toUpperCase());
    },
    { maxBatch: 2 },
  );
  const results = await Promise.allSettled(['bad', 'a', 'b', 'c'].map(run));
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ['statement failed', 'statement failed', 'B', 'C'],
  );
  assert.deepEqual(sizes, [2, 2]);
});

test('items of one key never share a batch: a repeated key waits for the next, in call order', async () => {
  const batches: string[][] = [];
  const run = coalesce(
    async (items: readonly { key: string; n: number }[]) => {
      batches.push(items.map((i) => `${i.key}${i.n}`));
      return items.map((i) => i.n);
    },
    { keyOf: (i) => i.key },
  );
  const items = [
    { key: 'a', n: 1 },
    { key: 'b', n: 2 },
    { key: 'a', n: 3 },
    { key: 'c', n: 4 },
    { key: 'a', n: 5 },
  ];
  assert.deepEqual(await Promise.all(items.map(run)), [1, 2, 3, 4, 5]);
  assert.deepEqual(batches, [['a1', 'b2', 'c4'], ['a3'], ['a5']]);
});

test('a batch refused for one item\'s data (alone) runs each item again alone: only that one fails', async () => {
  const batches: string[][] = [];
  const run = coalesce(
    async (items: readonly string[]) => {
      batches.push([...items]);
      if (items.includes('bad')) throw new Error(items.length > 1 ? 'refused' : 'refused: bad');
      return items.map((s) => s.toUpperCase());
    },
    { alone: (error) => (error as Error).message.startsWith('refused') },
  );
  const results = await Promise.allSettled(['a', 'bad', 'c'].map(run));
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    ['A', 'refused: bad', 'C'],
  );
  assert.deepEqual(batches, [['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
});
