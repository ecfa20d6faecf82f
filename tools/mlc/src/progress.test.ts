import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, progressLine } from './progress.js';

test('the bar fills with the share done', () => {
  assert.equal(progressLine('republish', 0, 10), `republish [${'.'.repeat(30)}] 0/10 0%`);
  assert.equal(progressLine('republish', 5, 10), `republish [${'#'.repeat(15)}${'.'.repeat(15)}] 5/10 50%`);
  assert.equal(progressLine('republish', 10, 10), `republish [${'#'.repeat(30)}] 10/10 100%`);
  assert.equal(progressLine('x', 0, 0), `x [${'#'.repeat(30)}] 0/0 100%`);
});

test('drawn in place on a terminal, silent on a pipe', () => {
  const written: string[] = [];
  const tty = createProgress({ label: 'l', total: 2, stream: { isTTY: true, write: (t: string) => written.push(t) } });
  tty.advance(1);
  tty.done();
  assert.equal(written.length, 3);
  assert.ok(written.every((w) => w.startsWith('\r')));
  assert.ok(written.at(-1)!.endsWith('\n'));
  const piped: string[] = [];
  const pipe = createProgress({ label: 'l', total: 2, stream: { isTTY: false, write: (t: string) => piped.push(t) } });
  pipe.advance(2);
  pipe.done();
  assert.deepEqual(piped, []);
});
