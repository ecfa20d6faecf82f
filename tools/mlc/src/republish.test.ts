import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayHeaders, selectionOf } from './republish.js';

test('replay headers: the original ones, the action id, force only when asked; an older replay is replaced', () => {
  const original = { 'mlc-event-id': 'e1', 'mlc-replay-id': '7', 'mlc-replay-force': 'true', 'x-multi': ['a', 'b'] };
  assert.deepEqual(replayHeaders(original, '42', false), { 'mlc-event-id': 'e1', 'x-multi': ['a', 'b'], 'mlc-replay-id': '42' });
  assert.deepEqual(replayHeaders(original, '42', true), { 'mlc-event-id': 'e1', 'x-multi': ['a', 'b'], 'mlc-replay-id': '42', 'mlc-replay-force': 'true' });
});

test('the selection ends now at the latest, so a run never selects what it published', () => {
  const now = new Date('2026-11-26T12:00:00Z');
  const base = { connection: 'acme', entityType: undefined, keys: [], source: undefined, since: undefined, until: undefined };
  assert.deepEqual(selectionOf(base, now), { connection: 'acme', to: now });
  assert.deepEqual(selectionOf({ ...base, until: new Date('2027-01-01T00:00:00Z') }, now).to, now);
  const until = new Date('2026-11-25T00:00:00Z');
  const since = new Date('2026-11-24T00:00:00Z');
  assert.deepEqual(selectionOf({ ...base, entityType: 'supplier', keys: ['S-1'], source: 'syspro', since, until }, now), {
    connection: 'acme',
    entityType: 'supplier',
    keys: ['S-1'],
    source: 'syspro',
    from: since,
    to: until,
  });
});
