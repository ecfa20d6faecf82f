import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrailItem } from '@mlc/audit';
import { formatTrail, trailRow } from './trail.js';

const base = { at: '2026-11-24T08:12:09.500123Z', topic: 'p.syspro.suppliers.v1', partition: 4, offset: '1187' };

test('one row per kind: who and what, with replays and resolutions', () => {
  const event = { ...base, kind: 'event', source: 'syspro', type: 'supplier.changed', occurredAt: '2026-11-24T08:12:03Z', actor: 'THANDI', contentHash: 'e3b0c44298fc1c14', replayId: '7' } as TrailItem;
  assert.deepEqual(trailRow(event), ['2026-11-24T08:12:09.500Z', 'event', 'syspro · supplier.changed', 'occurred 2026-11-24T08:12:03Z · by THANDI · replay #7 · hash e3b0c44298fc']);
  const outcome = { ...base, kind: 'outcome', writer: 'coupa-writer', status: 'updated', direction: 'syspro → coupa', target: { system: 'coupa', id: '4711' }, attempts: 1, error: null, replay: { id: '7', force: true } } as TrailItem;
  assert.deepEqual(trailRow(outcome).slice(2), ['coupa-writer · updated', 'syspro → coupa · target 4711 · attempts 1 · replay #7 forced']);
  const prefixed = { ...outcome, writer: 'p.coupa-writer' } as TrailItem;
  assert.deepEqual(trailRow(prefixed, (t) => t.slice(2))[2], 'coupa-writer · updated', 'the writer by its name, without the topic namespace');
  const dlq = { ...base, topic: 'p.coupa-writer.dlq.v1', partition: 0, offset: '3', kind: 'dlq', component: 'coupa-writer', status: 'redriven', error: { code: 'MLC_MAPPING_FAILED', message: 'no term' }, attempts: 1 } as TrailItem;
  assert.deepEqual(trailRow(dlq, (t) => t.slice(2)).slice(2), ['coupa-writer · redriven', 'id coupa-writer.dlq.v1:0:3 · MLC_MAPPING_FAILED · no term · attempts 1']);
  const action = { ...base, kind: 'action', action: 'discard', actor: 'thandi', actionId: 12, reason: 'duplicate', recordCount: 1 } as TrailItem;
  assert.deepEqual(trailRow(action).slice(2), ['discard · by thandi', '#12 · reason "duplicate" · 1 record(s)']);
});

test('an empty trail says so', () => {
  assert.match(formatTrail([]), /^no trail/);
});
