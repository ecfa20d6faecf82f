import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPLAY_HEADERS, readReplay, replayHeaders } from './headers.js';

test('an ordinary record (no replay id) is no replay, even with the force header', () => {
  assert.equal(readReplay(undefined), undefined);
  assert.equal(readReplay({}), undefined);
  assert.equal(readReplay({ [REPLAY_HEADERS.force]: Buffer.from('true') }), undefined);
  assert.equal(readReplay({ [REPLAY_HEADERS.replayId]: Buffer.from('  ') }), undefined);
});

test('a replay id names the replay; force only for the exact value true', () => {
  assert.deepEqual(readReplay({ [REPLAY_HEADERS.replayId]: Buffer.from('act-1') }), { id: 'act-1', force: false });
  assert.deepEqual(readReplay({ [REPLAY_HEADERS.replayId]: Buffer.from('act-1'), [REPLAY_HEADERS.force]: Buffer.from('true') }), { id: 'act-1', force: true });
  assert.deepEqual(readReplay({ [REPLAY_HEADERS.replayId]: 'act-1', [REPLAY_HEADERS.force]: 'TRUE' }), { id: 'act-1', force: false });
  assert.deepEqual(readReplay({ [REPLAY_HEADERS.replayId]: [Buffer.from('act-2'), Buffer.from('act-3')], [REPLAY_HEADERS.force]: ['true'] }), { id: 'act-2', force: true });
});

test('replayHeaders writes what readReplay reads', () => {
  for (const replay of [{ id: 'a', force: true }, { id: 'b', force: false }]) {
    const headers = Object.fromEntries(Object.entries(replayHeaders(replay)).map(([k, v]) => [k, Buffer.from(v)]));
    assert.deepEqual(readReplay(headers), replay);
  }
});
