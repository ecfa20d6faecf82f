import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runKeyLanes, type RunKeyLanesParams } from './key-lanes.js';

interface Item {
  offset: number;
  key: string;
}
type Result = 'ok' | 'retry';

const items = (...keys: string[]): Item[] => keys.map((key, offset) => ({ offset, key }));

/** Items that finish when the test says so; records starts, ends and deliveries in order. */
function harness(list: Item[], overrides: Partial<RunKeyLanesParams<Item, Result>> = {}) {
  const log: string[] = [];
  const gates = new Map<number, { resolve: (r: Result) => void; reject: (e: unknown) => void }>();
  let running = 0;
  let maxRunning = 0;
  const runningKeys = new Set<string>();
  const started = (offset: number) => log.includes(`start ${offset}`);
  const done = runKeyLanes<Item, Result>({
    items: list,
    keyOf: (item) => item.key,
    concurrency: 3,
    canStart: () => true,
    run: (item) => {
      assert.ok(!runningKeys.has(item.key), `two items of key ${item.key} at once`);
      runningKeys.add(item.key);
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      log.push(`start ${item.offset}`);
      return new Promise<Result>((resolve, reject) => gates.set(item.offset, { resolve, reject })).finally(() => {
        running -= 1;
        runningKeys.delete(item.key);
        log.push(`end ${item.offset}`);
      });
    },
    stops: (r) => r === 'retry',
    deliver: async (item) => {
      log.push(`deliver ${item.offset}`);
    },
    isInterruption: (e) => e instanceof Error && e.message === 'interrupted',
    ...overrides,
  });
  // Rejections are asserted by the tests, after the fact.
  done.catch(() => undefined);
  const tick = () => new Promise((r) => setImmediate(r));
  return {
    log,
    done,
    started,
    maxRunning: () => maxRunning,
    async finish(offset: number, result: Result = 'ok') {
      await tick();
      const gate = gates.get(offset);
      assert.ok(gate, `item ${offset} is running`);
      gate.resolve(result);
      await tick();
    },
    async fail(offset: number, error: unknown) {
      await tick();
      gates.get(offset)?.reject(error);
      await tick();
    },
    tick,
  };
}

test('concurrency 1 is the sequential loop: handle, deliver, next', async () => {
  const h = harness(items('a', 'b', 'c'), { concurrency: 1 });
  await h.finish(0);
  await h.finish(1);
  await h.finish(2);
  assert.deepEqual(await h.done, {});
  assert.deepEqual(h.log, ['start 0', 'end 0', 'deliver 0', 'start 1', 'end 1', 'deliver 1', 'start 2', 'end 2', 'deliver 2']);
});

test('different keys run side by side up to the bound, and are delivered in batch order whatever order they finish in', async () => {
  const h = harness(items('a', 'b', 'c', 'd', 'e'));
  await h.tick();
  assert.deepEqual(h.log, ['start 0', 'start 1', 'start 2'], 'three at once, no more');
  await h.finish(2);
  await h.finish(1);
  assert.ok(!h.log.some((l) => l.startsWith('deliver')), 'nothing delivered before item 0 finished');
  await h.finish(0);
  await h.finish(3);
  await h.finish(4);
  assert.deepEqual(await h.done, {});
  assert.deepEqual(
    h.log.filter((l) => l.startsWith('deliver')),
    ['deliver 0', 'deliver 1', 'deliver 2', 'deliver 3', 'deliver 4'],
  );
  assert.equal(h.maxRunning(), 3);
});

test('items of one key run one after another in batch order, never at once', async () => {
  const h = harness(items('a', 'a', 'b', 'a'));
  await h.tick();
  assert.deepEqual(h.log, ['start 0', 'start 2'], 'the second "a" waits for the first');
  await h.finish(2);
  assert.ok(!h.started(1));
  await h.finish(0);
  assert.ok(h.started(1) && !h.started(3));
  await h.finish(1);
  await h.finish(3);
  assert.deepEqual(await h.done, {});
  assert.ok(h.log.indexOf('end 0') < h.log.indexOf('start 1') && h.log.indexOf('end 1') < h.log.indexOf('start 3'));
});

test('a retry: nothing more starts, the running ones are awaited, only what is before it is delivered', async () => {
  // 0:a 1:b 2:c 3:b(waits for 1) 4:d
  const h = harness(items('a', 'b', 'c', 'b', 'd'));
  await h.tick();
  await h.finish(1, 'retry');
  // Item 3 waits for key b, whose item stopped the batch: it is not run; 4 is never started.
  await h.finish(2);
  assert.ok(!h.started(3) && !h.started(4));
  let settled = false;
  void h.done.then(() => (settled = true));
  await h.tick();
  assert.equal(settled, false, 'item 0 is still running');
  await h.finish(0);
  const end = await h.done;
  assert.deepEqual(end.stopped, { item: { offset: 1, key: 'b' }, result: 'retry' });
  assert.deepEqual(
    h.log.filter((l) => l.startsWith('deliver')),
    ['deliver 0'],
    'item 2 finished but is after the retry: not delivered',
  );
});

test('the lowest of two retries is where the batch stops; an earlier item waiting for its key still runs', async () => {
  // 0:a 1:b 2:a(waits for 0) 3:c
  const h = harness(items('a', 'b', 'a', 'c'));
  await h.tick();
  await h.finish(2 - 1, 'ok');
  await h.finish(3, 'retry');
  await h.finish(0);
  assert.ok(h.started(2), 'item 2 is before the retry: it runs');
  await h.finish(2, 'retry');
  const end = await h.done;
  assert.equal(end.stopped?.item.offset, 2);
  assert.deepEqual(
    h.log.filter((l) => l.startsWith('deliver')),
    ['deliver 0', 'deliver 1'],
  );
});

test('an error is rethrown after every running item finished; what is before it was delivered', async () => {
  const h = harness(items('a', 'b', 'c'));
  await h.tick();
  await h.fail(1, new Error('interrupted'));
  await h.finish(0);
  await h.finish(2);
  await assert.rejects(h.done, /interrupted/);
  assert.deepEqual(
    h.log.filter((l) => l.startsWith('deliver')),
    ['deliver 0'],
  );
});

test('an unexpected error wins over a retry before it; an interruption after a retry does not', async () => {
  const a = harness(items('a', 'b'));
  await a.tick();
  await a.finish(0, 'retry');
  await a.fail(1, new Error('bug'));
  await assert.rejects(a.done, /bug/);

  const b = harness(items('a', 'b'));
  await b.tick();
  await b.finish(0, 'retry');
  await b.fail(1, new Error('interrupted'));
  assert.equal((await b.done).stopped?.item.offset, 0);
});

test('once canStart() is false nothing more starts, and items waiting for their key are not run', async () => {
  let live = true;
  const h = harness(items('a', 'a', 'b', 'c'), { canStart: () => live });
  await h.tick();
  live = false;
  await h.finish(0);
  await h.finish(2);
  assert.deepEqual(await h.done, {});
  assert.ok(!h.started(1) && !h.started(3));
  assert.deepEqual(
    h.log.filter((l) => l.startsWith('deliver')),
    ['deliver 0'],
  );
});

test('concurrency 1: a retry stops the batch undelivered, an error (interruption or not) is rethrown, a false canStart() starts nothing more', async () => {
  const retry = harness(items('a', 'b', 'c'), { concurrency: 1 });
  await retry.finish(0);
  await retry.finish(1, 'retry');
  assert.deepEqual((await retry.done).stopped, { item: { offset: 1, key: 'b' }, result: 'retry' });
  assert.deepEqual(retry.log, ['start 0', 'end 0', 'deliver 0', 'start 1', 'end 1']);

  for (const message of ['interrupted', 'bug']) {
    const failing = harness(items('a', 'b'), { concurrency: 1 });
    await failing.fail(0, new Error(message));
    await assert.rejects(failing.done, new RegExp(message));
    assert.deepEqual(failing.log, ['start 0', 'end 0']);
  }

  let live = true;
  const stopping = harness(items('a', 'b'), { concurrency: 1, canStart: () => live });
  await stopping.tick();
  live = false;
  await stopping.finish(0);
  assert.deepEqual(await stopping.done, {});
  assert.deepEqual(stopping.log, ['start 0', 'end 0', 'deliver 0']);
});
