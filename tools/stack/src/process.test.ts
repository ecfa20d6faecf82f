import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from './process.js';

test('withLock runs one holder at a time and releases the file', async () => {
  const lock = join(mkdtempSync(join(tmpdir(), 'mlc-lock-')), 'stack.lock');
  const events: string[] = [];
  let releaseFirst!: () => void;
  const firstMayFinish = new Promise<void>((resolve) => (releaseFirst = resolve));
  let waited = false;

  const first = withLock(lock, async () => {
    events.push('first in');
    await firstMayFinish;
    events.push('first out');
  });
  const second = withLock(
    lock,
    async () => {
      events.push('second in');
    },
    {
      onWait: () => {
        waited = true;
        releaseFirst();
      },
    },
  );
  await Promise.all([first, second]);
  assert.equal(waited, true);
  assert.deepEqual(events, ['first in', 'first out', 'second in']);
  assert.equal(existsSync(lock), false);
});

test('a lock left by a dead process is taken over', async () => {
  const lock = join(mkdtempSync(join(tmpdir(), 'mlc-lock-')), 'stack.lock');
  writeFileSync(lock, '2147483646\n');
  assert.equal(await withLock(lock, async () => 'ran'), 'ran');
});
