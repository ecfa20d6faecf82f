import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advance, continueFrom, pollStart, progressed } from './cursor.js';

const rec = (LMTS: string, SUNO: string) => ({ LMTS, SUNO });

test('a poll starts the overlap before the cursor, from the first supplier; without a cursor, from the start', () => {
  assert.deepEqual(pollStart(undefined, 120_000), {});
  assert.deepEqual(pollStart({ timestamp: '1741781096123', supplier: 'S9' }, 120_000), { timestamp: '1741780976123' });
  assert.deepEqual(pollStart({ timestamp: '500', supplier: 'S9' }, 120_000), { timestamp: '0' });
  assert.deepEqual(continueFrom({ timestamp: '5', supplier: 'S9' }), { timestamp: '5', supplier: 'S9' });
});

test('the cursor moves to the last record of a page, never backwards', () => {
  assert.equal(advance(undefined, []), undefined);
  assert.deepEqual(advance(undefined, [rec('5', 'A'), rec('7', 'B')]), { timestamp: '7', supplier: 'B' });
  const at = { timestamp: '7', supplier: 'B' };
  assert.equal(advance(at, [rec('6', 'Z')]), at);
  assert.equal(advance(at, [rec('7', 'B')]), at);
  assert.deepEqual(advance(at, [rec('7', 'C')]), { timestamp: '7', supplier: 'C' });
  assert.deepEqual(advance(at, [rec(' 10 ', 'A ')]), { timestamp: '10', supplier: 'A' });
});

test('a page progressed when its last record lies after where it started', () => {
  assert.equal(progressed({}, [rec('1', 'A')]), true);
  assert.equal(progressed({ timestamp: '5', supplier: 'B' }, [rec('5', 'B')]), false);
  assert.equal(progressed({ timestamp: '5', supplier: 'B' }, [rec('5', 'B'), rec('5', 'C')]), true);
  assert.equal(progressed({ timestamp: '5' }, [rec('5', 'A')]), true);
});
