import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecordWindow, topicMessages, type PendingRecord } from './record-window.js';

const rec = (topic: string, value: string): PendingRecord => ({ topic, message: { value } });

// A record function whose windows are settled by the test, and a clock moved by hand.
function setup({ maxRecords = 3, maxDelayMs = 100 } = {}) {
  let now = 0;
  const windows: { values: string[]; upTo: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  const window = createRecordWindow({
    record: (records, upTo) =>
      new Promise<void>((resolve, reject) => {
        windows.push({ values: records.map((r) => String(r.message.value)), upTo, resolve, reject });
      }),
    maxRecords,
    maxDelayMs,
    now: () => now,
  });
  return { window, windows, tick: (ms: number) => (now += ms) };
}

test('topicMessages groups records by topic, keeping their order', () => {
  assert.deepEqual(topicMessages([rec('out', 'a'), rec('dlq', 'b'), rec('out', 'c')]), [
    { topic: 'out', messages: [{ value: 'a' }, { value: 'c' }] },
    { topic: 'dlq', messages: [{ value: 'b' }] },
  ]);
  assert.deepEqual(topicMessages([]), []);
});

test('a window is recorded once it holds maxRecords records, up to its last offset', async () => {
  const { window, windows } = setup({ maxRecords: 3 });
  await window.add('10', [rec('out', 'a')]);
  await window.add('11', [rec('dlq', 'b'), rec('out', 'b')]);
  assert.equal(windows.length, 1);
  assert.deepEqual(windows.map(({ values, upTo }) => ({ values, upTo })), [{ values: ['a', 'b', 'b'], upTo: '11' }]);
});

test('a window is recorded once its oldest record is maxDelayMs old', async () => {
  const { window, windows, tick } = setup({ maxRecords: 100, maxDelayMs: 100 });
  await window.add('1', [rec('out', 'a')]);
  tick(99);
  await window.add('2', [rec('out', 'b')]);
  assert.equal(windows.length, 0);
  tick(1);
  await window.add('3', [rec('out', 'c')]);
  assert.deepEqual(windows.map((w) => w.upTo), ['3']);
});

test('one window at a time: the next starts only once the one before is recorded', async () => {
  const { window, windows } = setup({ maxRecords: 1 });
  await window.add('1', [rec('out', 'a')]);
  let added = false;
  const second = window.add('2', [rec('out', 'b')]).then(() => (added = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(windows.length, 1);
  assert.equal(added, false);
  windows[0]!.resolve();
  await second;
  assert.deepEqual(windows.map((w) => w.upTo), ['1', '2']);
});

test('drain records what is left and waits for it; with nothing finished it records nothing', async () => {
  const { window, windows } = setup({ maxRecords: 10 });
  await window.drain();
  assert.equal(windows.length, 0);
  await window.add('4', [rec('out', 'a')]);
  let drained = false;
  const draining = window.drain().then(() => (drained = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(windows.map((w) => w.upTo), ['4']);
  assert.equal(drained, false);
  windows[0]!.resolve();
  await draining;
  assert.equal(window.failed(), false);
});

test('a failed window is reported, and the next flush rethrows it without recording more', async () => {
  const { window, windows } = setup({ maxRecords: 1 });
  await window.add('1', [rec('out', 'a')]);
  const boom = new Error('commit refused');
  windows[0]!.reject(boom);
  await window.settled();
  assert.equal(window.failed(), true);
  await assert.rejects(window.add('2', [rec('out', 'b')]), (e) => e === boom);
  await assert.rejects(window.drain(), (e) => e === boom);
  assert.equal(windows.length, 1);
});

