import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { testInfra, uniqueName } from '@mlc/testing';
import { createParkingStore } from './parking-store.js';
import { TARGET_RECORDS_MIGRATIONS } from './target-records.js';

test('parking store: idempotent parks, the cap per connection, lanes, offset order and one drainer per lane', async (t) => {
  const pool = new pg.Pool({ connectionString: testInfra().databaseUrl, max: 4 });
  await pool.query(readFileSync(new URL('004_parking.sql', TARGET_RECORDS_MIGRATIONS), 'utf8'));
  const group = uniqueName('writer');
  const store = createParkingStore({ db: pool, group });
  t.after(async () => {
    await pool.query('delete from mlc_parked_records where writer_group = $1', [group]);
    await pool.query('delete from mlc_writer_circuits where writer_group = $1', [group]);
    await pool.end();
  });
  const record = (offset: number, connection = 'acme') => ({
    topic: 'suppliers',
    partition: 0,
    offset: String(offset),
    connection,
    key: Buffer.from(`${connection}:supplier:${offset}`),
    value: Buffer.from([0, 1, 2, offset]),
    headers: { 'mlc-event-id': Buffer.from(`e${offset}`) },
    reason: 'MLC_HTTP_SERVER_ERROR',
  });

  // Offsets past 9 and 10: the order must be numeric.
  for (const offset of [2, 9, 10, 11]) assert.equal(await store.park(record(offset), 4), 'parked');
  assert.equal(await store.park(record(9), 4), 'parked', 'a redelivered record is parked once, whatever the cap');
  assert.equal(await store.park(record(12), 4), 'full', 'the connection has its cap');
  assert.equal(await store.park(record(3, 'globex'), 4), 'parked', 'the cap is per connection');
  assert.deepEqual([...(await store.connectionsParkedOn('suppliers', 0))].sort(), ['acme', 'globex']);
  assert.deepEqual(await store.connectionsParkedOn('suppliers', 1), new Set());
  assert.deepEqual(await store.lanes(), [
    { topic: 'suppliers', partition: 0, connection: 'acme', count: 4 },
    { topic: 'suppliers', partition: 0, connection: 'globex', count: 1 },
  ]);

  const lane = { topic: 'suppliers', partition: 0, connection: 'acme' };
  // While one drainer holds the lane, another is turned away.
  let inside: string | undefined;
  const first = store.drainOne(lane, async (r) => {
    inside = await store.drainOne(lane, async () => ({ done: true }));
    assert.deepEqual(r.value, Buffer.from([0, 1, 2, 2]));
    assert.deepEqual(r.headers, { 'mlc-event-id': Buffer.from('e2') });
    return { done: false, attempts: 1 };
  });
  assert.equal(await first, 'kept');
  assert.equal(inside, 'locked');

  const seen: string[] = [];
  for (;;) {
    const result = await store.drainOne(lane, async (r) => {
      seen.push(`${r.offset}/${r.attempts}`);
      return { done: true };
    });
    if (result === 'empty') break;
    assert.equal(result, 'done');
  }
  assert.deepEqual(seen, ['2/1', '9/0', '10/0', '11/0'], 'offset order; the kept record with its attempts');

  // A failing drain leaves the row as it was.
  await assert.rejects(store.drainOne({ ...lane, connection: 'globex' }, async () => Promise.reject(new Error('boom'))));
  assert.equal((await store.lanes()).length, 1);

  await store.saveCircuit('acme', 'coupa', { state: 'open', failures: 5, probes: 1, nextProbeAt: Date.now() + 1000, lastCode: 'MLC_HTTP_TIMEOUT', since: Date.now() });
  const { rows } = await pool.query<{ state: string; last_code: string }>('select state, last_code from mlc_writer_circuits where writer_group = $1', [group]);
  assert.deepEqual(rows, [{ state: 'open', last_code: 'MLC_HTTP_TIMEOUT' }]);
});
