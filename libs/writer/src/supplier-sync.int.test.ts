import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { SyncSettings } from '@mlc/config';
import { createPool, migrate } from '@mlc/db';
import { buildEvent, type SupplierData } from '@mlc/events';
import { isolatedSchemaUrl } from '@mlc/testing';
import { createSupplierSync, createSyncStateStore, SUPPLIER_LEAVES, type SyncState } from './supplier-sync.js';
import { createTargetRecordStore, TARGET_RECORDS_MIGRATIONS, type Queryable } from './target-records.js';

/** A pool on a schema of its own, the writer's tables migrated into it. */
async function isolatedPool(t: { after: (fn: () => Promise<void>) => void }): Promise<pg.Pool> {
  const pool = createPool(await isolatedSchemaUrl(t, 'sync'), { max: 2 });
  t.after(() => pool.end());
  await migrate(pool, { component: 'writer', dir: TARGET_RECORDS_MIGRATIONS });
  return pool;
}

test('sync state store on PostgreSQL: open reads the record and state and claims a pair without state; remember writes both in one statement', async (t) => {
  const pool = await isolatedPool(t);
  const state = createSyncStateStore({ db: pool });
  const records = createTargetRecordStore({ db: pool });
  const ref = { connection: 'acme', targetSystem: 'coupa', entityType: 'supplier', naturalKey: 'S1' };
  const pending: SyncState = { name: { h: 'h1', at: '2026-01-01T00:00:00Z', by: 'e1' } };

  const first = await state.open(ref, 'coupa|syspro', pending);
  assert.deepEqual(first, { record: undefined, state: undefined, claimed: true }, 'a new record: nothing read, the claim recorded');
  assert.deepEqual(await state.get('acme', 'S1', 'coupa|syspro'), pending);

  const again = await state.open(ref, 'coupa|syspro', { name: { h: 'other', at: '2026-01-02T00:00:00Z', by: 'e2' } });
  assert.equal(again.claimed, false, 'a pair with state is not claimed again');
  assert.deepEqual(again.state, pending, 'the state as it was');

  // The call returned: the record and the synced leaves (no longer pending) in one statement; other leaves kept.
  await state.merge('acme', 'S1', 'coupa|syspro', { taxId: { h: 't', at: '2026-01-01T00:00:00Z' } });
  await state.remember(ref, { targetId: '17', contentHash: 'a'.repeat(64), sourceTime: '2026-01-01T00:00:00Z', eventId: 'e1' }, 'coupa|syspro', {
    name: { h: 'h1', at: '2026-01-01T00:00:00Z' },
  });
  assert.deepEqual(await state.get('acme', 'S1', 'coupa|syspro'), { name: { h: 'h1', at: '2026-01-01T00:00:00Z' }, taxId: { h: 't', at: '2026-01-01T00:00:00Z' } });
  const opened = await state.open(ref, 'coupa|syspro', pending);
  assert.equal(opened.record?.targetId, '17');
  assert.equal(opened.record?.eventId, 'e1');
  assert.equal(opened.record?.sourceTime.toISOString(), '2026-01-01T00:00:00.000Z');
  assert.deepEqual(await records.get(ref), opened.record, 'the same record as the target-record store reads');

  // An older write does not move the record back (as TargetRecordStore.remember); its leaves are still merged.
  await state.remember(ref, { targetId: '18', contentHash: 'b'.repeat(64), sourceTime: '2025-12-31T00:00:00Z', eventId: 'e0' }, 'coupa|syspro', {
    status: { h: 's', at: '2025-12-31T00:00:00Z' },
  });
  assert.equal((await records.get(ref))?.eventId, 'e1');
  assert.ok((await state.get('acme', 'S1', 'coupa|syspro'))?.status);

  // Another pair of the same record is its own: claimed, and the record is the same.
  const m3 = await state.open({ ...ref, targetSystem: 'infor' }, 'coupa|infor', pending);
  assert.deepEqual(m3, { record: undefined, state: undefined, claimed: true });
});

test('statements per supplier on PostgreSQL: a new one is read (and claimed) in one and written in one; a changed one merges its pending leaves in a third', async (t) => {
  const pool = await isolatedPool(t);
  let statements = 0;
  const counting: Queryable = { query: (text, values) => (statements++, typeof text === 'string' ? pool.query(text, values) : pool.query(text)) };
  const admit = createSupplierSync({ system: 'coupa', state: createSyncStateStore({ db: counting }), rules: SyncSettings.parse({}).supplier, writes: SUPPLIER_LEAVES.filter((l) => l !== 'currency' && !l.startsWith('bank.')) });
  const records = createTargetRecordStore({ db: pool });
  const data: SupplierData = { number: 'S1', name: 'Acme', status: 'active', currency: 'ZAR', paymentTerms: '30' };
  const event = (name: string, at: string, currency = 'ZAR') =>
    buildEvent({ source: 'syspro', connection: 'acme', entity: 'supplier', key: 'S1', data: { ...data, name, currency }, occurredAt: at, observedAt: at, correlationId: 'x' });
  const write = async (e: ReturnType<typeof event>) => {
    const admitted = await admit(e);
    assert.ok(admitted.write);
    await admitted.remember({ connection: 'acme', targetSystem: 'coupa', entityType: 'supplier', naturalKey: 'S1' }, { targetId: '7', contentHash: e.contentHash, sourceTime: e.occurredAt, eventId: e.id });
    return admitted.settle({ status: 'created', target: { system: 'coupa', id: '7' } });
  };

  await write(event('Acme', '2026-01-01T00:00:00Z'));
  assert.equal(statements, 2, 'new supplier: open (read + claim), remember (record + state)');
  assert.equal((await records.get({ connection: 'acme', targetSystem: 'coupa', entityType: 'supplier', naturalKey: 'S1' }))?.targetId, '7');

  statements = 0;
  await write(event('Acme Ltd', '2026-01-02T00:00:00Z'));
  assert.equal(statements, 3, 'changed supplier: open, the pending leaves merged before the call, remember');

  statements = 0;
  // Another currency (Coupa is not written one): other content, but no synced leaf changed.
  const echo = await admit(event('Acme Ltd', '2026-01-03T00:00:00Z', 'USD'));
  assert.equal(echo.write === false && echo.result.status, 'echo', 'no synced leaf changed since the last write: nothing pending left behind');
  assert.equal(statements, 1);
});
