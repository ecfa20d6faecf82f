import { test } from 'node:test';
import assert from 'node:assert/strict';
import { advance, clampFuture, continueFrom, futureRecords, pollStart, progressed } from './cursor.js';

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

test('a change timestamp past now + skew is future-dated: the committed cursor is now, and the next poll starts an overlap before it', () => {
  const now = Date.parse('2026-11-29T07:00:00Z');
  const skew = 300_000;
  const y2099 = String(Date.parse('2099-01-01T00:00:00Z'));
  const records = [rec(String(now + skew), 'A'), rec(y2099, 'B')];
  assert.deepEqual(futureRecords(records, now, skew), [{ supplier: 'B', timestamp: y2099 }]);
  const reached = advance(undefined, records)!;
  const { cursor, clamped } = clampFuture(reached, now, skew);
  assert.equal(clamped, true);
  assert.deepEqual(cursor, { timestamp: String(now), supplier: 'B' });
  assert.deepEqual(pollStart(cursor, 120_000), { timestamp: String(now - 120_000) });
  // Within the skew (an M3 clock a little ahead): kept.
  const ahead = { timestamp: String(now + skew), supplier: 'A' };
  assert.deepEqual(clampFuture(ahead, now, skew), { cursor: ahead, clamped: false });
  // The next poll reads the 2099 record again: the position moves there, the commit is clamped again.
  const again = advance(cursor, [rec(String(now + 1000), 'C'), rec(y2099, 'B')])!;
  assert.deepEqual(clampFuture(again, now + 60_000, skew).cursor, { timestamp: String(now + 60_000), supplier: 'B' });
});
