import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMoves, planMoves } from './rewind.js';

test('each partition moves from its commit (or none) to the offset for the time', () => {
  const moves = planMoves(
    [{ topic: 'b', partitions: [{ partition: 0, offset: '40' }, { partition: 1, offset: '-1' }] }],
    [
      { topic: 'b', partitions: [{ partition: 1, offset: '3' }, { partition: 0, offset: '12' }] },
      { topic: 'a', partitions: [{ partition: 0, offset: '0' }] },
    ],
  );
  assert.deepEqual(moves, [
    { topic: 'a', partition: 0, current: null, target: '0' },
    { topic: 'b', partition: 0, current: '40', target: '12' },
    { topic: 'b', partition: 1, current: null, target: '3' },
  ]);
});

test('the table shows current → new per partition with the change, in logical names', () => {
  const text = formatMoves(
    { group: 'coupa-writer', to: '2026-11-24T00:00:00.000Z', dryRun: true, activeMembers: 0, moves: [{ topic: 'p.syspro.suppliers.v1', partition: 0, current: '40', target: '12' }] },
    (t) => t.slice(2),
  );
  const lines = text.split('\n');
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[2]!.split(/\s+/), ['syspro.suppliers.v1', '0', '40', '12', '-28']);
});
