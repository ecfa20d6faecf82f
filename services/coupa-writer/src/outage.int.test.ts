import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { buildEvent } from '@mlc/events';
import { testInfra, uniqueName, waitFor } from '@mlc/testing';
import { harness } from './test-support.js';

// The outage promise: one connection's Coupa down for several times the old retry budget
// (compressed: ≈ 2 s of retries before the DLQ; the outage lasts ≈ 12 s), while another
// connection's records on the SAME partition keep being written. Nothing is dead-lettered; once
// Coupa is back every parked record is written, in order, each supplier created once.
const WRITER_ENV = {
  MLC_RETRY_INITIAL_MS: '100',
  MLC_RETRY_MAX_MS: '500',
  MLC_RETRY_MAX_ATTEMPTS: '5',
  MLC_CIRCUIT_FAILURE_THRESHOLD: '2',
  MLC_CIRCUIT_PROBE_INITIAL_MS: '500',
  MLC_CIRCUIT_PROBE_MAX_MS: '2000',
  MLC_PARKING_DRAIN_INTERVAL_MS: '200',
};

function supplier(connection: string, number: string, name: string, occurredAt: string) {
  return buildEvent({ source: 'syspro', connection, entity: 'supplier', key: number, data: { number, name, status: 'active' }, occurredAt, observedAt: occurredAt, correlationId: uniqueName('corr') });
}

interface Logged {
  method: string;
  url: string;
  status?: number;
  body: unknown;
}

test('a vendor down for several times the old retry budget: its records are parked in order and written after, the other connection on the same partition keeps flowing, nothing dead-lettered', { timeout: 240_000 }, async (t) => {
  const h = await harness(t, { partitions: 1, moreConnections: 1, env: WRITER_ENV });
  const down = h.connection;
  const [up] = h.others;
  assert.ok(up);
  const db = new pg.Pool({ connectionString: testInfra().databaseUrl, max: 2 });
  t.after(() => db.end());

  h.sim.faults.add({ path: '/api', status: 503 });
  h.startWriter();

  // Interleaved on one partition: a record of the down connection, then one of the other. The
  // down connection's supplier D0 is created and then renamed twice: order decides its final name.
  const count = 12;
  const events = [];
  for (let i = 0; i < count; i++) {
    events.push(supplier(down, `D${i}`, `Down ${i}`, '2026-11-20T10:00:00Z'));
    events.push(supplier(up.connection, `U${i}`, `Up ${i}`, '2026-11-20T10:00:00Z'));
  }
  events.push(supplier(down, 'D0', 'Down 0 renamed', '2026-11-20T11:00:00Z'));
  events.push(supplier(down, 'D0', 'Down 0 renamed twice', '2026-11-20T12:00:00Z'));
  await h.publish(events);

  const upSuppliers = async () => ((await (await fetch(`${up.sim.url}/_sandbox/state/suppliers?limit=100000`)).json()) as Array<{ number: string }>).length;
  await waitFor(async () => (await upSuppliers()) === count || undefined, { timeoutMs: 90_000, message: 'the other connection written while Coupa is down for the first' });

  const circuit = await waitFor(async () => {
    const { rows } = await db.query<{ state: string; last_code: string | null }>('select state, last_code from mlc_writer_circuits where writer_group = $1 and connection = $2', [h.groupId, down]);
    return rows[0]?.state === 'open' || rows[0]?.state === 'half-open' ? rows[0] : undefined;
  }, { timeoutMs: 30_000, message: 'the circuit of the down connection open' });
  assert.equal(circuit.last_code, 'MLC_HTTP_SERVER_ERROR');
  const parked = await waitFor(async () => {
    const { rows } = await db.query<{ n: string }>('select count(*) as n from mlc_parked_records where writer_group = $1 and connection = $2', [h.groupId, down]);
    return Number(rows[0]?.n) === count + 2 ? Number(rows[0]?.n) : undefined;
  }, { timeoutMs: 30_000, message: 'every record of the down connection parked' });
  assert.equal(parked, count + 2);

  // The outage goes on for several times the old retry budget (≈ 2 s here).
  await sleep(12_000);
  assert.deepEqual(await h.dlq(), [], 'nothing dead-lettered during the outage');
  assert.equal((await h.state('suppliers')).length, 0, 'nothing reached the down Coupa');

  h.sim.faults.clear();
  const written = await waitFor(async () => {
    const all = await h.state<{ number: string; name: string }>('suppliers');
    return all.length === count && all.find((s) => s.number === 'D0')?.name === 'Down 0 renamed twice' ? all : undefined;
  }, { timeoutMs: 90_000, message: 'every parked supplier written once Coupa is back' });
  assert.equal(new Set(written.map((s) => s.number)).size, count, 'no supplier created twice');

  // In order: the creates in offset order, then D0's two renames.
  const requests = h.sim.faults.requests() as readonly Logged[];
  const writes = requests.filter((r) => r.method !== 'GET' && r.url.startsWith('/api/') && r.status !== undefined && r.status < 300);
  const names = writes.map((r) => (r.body as { name?: string }).name);
  assert.deepEqual(names, [...Array.from({ length: count }, (_, i) => `Down ${i}`), 'Down 0 renamed', 'Down 0 renamed twice']);
  assert.equal(writes.filter((r) => r.method === 'POST').length, count, 'one create per supplier');

  assert.deepEqual(await h.dlq(), [], 'nothing dead-lettered');
  await waitFor(async () => {
    const { rows } = await db.query<{ n: string }>('select count(*) as n from mlc_parked_records where writer_group = $1', [h.groupId]);
    return Number(rows[0]?.n) === 0 || undefined;
  }, { timeoutMs: 30_000, message: 'the parking lot empty' });
  const { rows: closed } = await db.query<{ state: string }>('select state from mlc_writer_circuits where writer_group = $1 and connection = $2', [h.groupId, down]);
  assert.equal(closed[0]?.state, 'closed');
});
