import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addSupplierTimes } from './callout-to-m3.js';

test('AddSupplier arrival per SUNO from the simulator request log: the first one counts, other transactions are ignored', () => {
  const base = '/MLC_TST/M3/m3api-rest/v2/execute/CRS620MI';
  const times = addSupplierTimes([
    { at: '2026-11-29T10:00:00.100Z', url: `${base}/GetBasicData?SUNO=L1` },
    { at: '2026-11-29T10:00:00.250Z', url: `${base}/AddSupplier?SUNO=L1&SUNM=Bench` },
    { at: '2026-11-29T10:00:00.400Z', url: `${base}/AddSupplier?SUNO=L1&SUNM=Bench`, status: 200 },
    { at: '2026-11-29T10:00:01.000Z', url: `${base}/AddSupplier?SUNO=L2` },
    { at: '2026-11-29T10:00:02.000Z', url: `${base}/UpdSupplier?SUNO=L3` },
  ]);
  assert.deepEqual([...times], [
    ['L1', Date.parse('2026-11-29T10:00:00.250Z')],
    ['L2', Date.parse('2026-11-29T10:00:01.000Z')],
  ]);
});
