import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { SyncSettings } from '@mlc/config';
import { createPool, migrate } from '@mlc/db';
import { isMlcError } from '@mlc/errors';
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

test('concurrent suppliers on PostgreSQL share statements: N new ones are read and claimed in 1 and written in 1, each getting its own answer', async (t) => {
  const pool = await isolatedPool(t);
  let statements = 0;
  const counting: Queryable = { query: (text, values) => (statements++, typeof text === 'string' ? pool.query(text, values) : pool.query(text)) };
  const admit = createSupplierSync({ system: 'coupa', state: createSyncStateStore({ db: counting }), rules: SyncSettings.parse({}).supplier, writes: SUPPLIER_LEAVES.filter((l) => l !== 'currency' && !l.startsWith('bank.')) });
  const records = createTargetRecordStore({ db: pool });
  const at = '2026-01-01T00:00:00Z';
  const keys = ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8'];
  const events = keys.map((key, i) =>
    buildEvent({ source: 'syspro', connection: 'acme', entity: 'supplier', key, data: { number: key, name: `Supplier ${key}`, status: 'active', paymentTerms: '30' }, occurredAt: at, observedAt: at, correlationId: `c${i}` }),
  );
  const refOf = (key: string) => ({ connection: 'acme', targetSystem: 'coupa', entityType: 'supplier', naturalKey: key });

  const admitted = await Promise.all(events.map((e) => admit(e)));
  assert.equal(statements, 1, `${keys.length} new suppliers: one statement reads and claims them all`);
  for (const [i, a] of admitted.entries()) {
    assert.ok(a.write);
    assert.equal(a.previous, undefined);
    assert.equal(a.data.name, `Supplier ${keys[i]}`, 'each caller its own answer');
  }

  statements = 0;
  await Promise.all(admitted.map((a, i) => a.write && a.remember(refOf(keys[i]!), { targetId: `id-${keys[i]}`, contentHash: events[i]!.contentHash, sourceTime: at, eventId: events[i]!.id })));
  assert.equal(statements, 1, 'their target records and synced leaves written in one statement');
  for (const key of keys) assert.equal((await records.get(refOf(key)))?.targetId, `id-${key}`);

  // The same events again (a redelivery): each read its own record in one statement, their pending leaves merged in one.
  statements = 0;
  const again = await Promise.all(events.map((e) => admit(e)));
  assert.deepEqual(
    again.map((a) => a.write && a.previous?.targetId),
    keys.map((key) => `id-${key}`),
  );
  assert.equal(statements, 2);
});

test('sync state store on PostgreSQL: calls about one record never share a statement (they run in call order); a failing statement fails each of its callers, naming its record', async (t) => {
  const pool = await isolatedPool(t);
  const queries: unknown[][][] = [];
  const counting: Queryable = { query: (text, values) => (typeof text !== 'string' && queries.push(text.values as unknown[][]), typeof text === 'string' ? pool.query(text, values) : pool.query(text)) };
  const state = createSyncStateStore({ db: counting });
  const records = createTargetRecordStore({ db: pool });
  const ref = (key: string) => ({ connection: 'acme', targetSystem: 'coupa', entityType: 'supplier', naturalKey: key });
  const written = (eventId: string, sourceTime: string) => ({ targetId: eventId, contentHash: eventId.padEnd(64, '0'), sourceTime, eventId });

  // Two writes of S1 and one of S2 at once: S1's second waits for the next statement (an upsert may not meet a row twice).
  await Promise.all([
    state.remember(ref('S1'), written('e1', '2026-01-01T00:00:00Z'), 'coupa|syspro', { name: { h: 'a', at: '2026-01-01T00:00:00Z' } }),
    state.remember(ref('S2'), written('e2', '2026-01-01T00:00:00Z'), 'coupa|syspro', { name: { h: 'b', at: '2026-01-01T00:00:00Z' } }),
    state.remember(ref('S1'), written('e3', '2026-01-02T00:00:00Z'), 'coupa|syspro', { status: { h: 'c', at: '2026-01-02T00:00:00Z' } }),
  ]);
  assert.equal(queries.length, 2);
  assert.deepEqual(queries.map((values) => values[3]), [['S1', 'S2'], ['S1']]);
  assert.equal((await records.get(ref('S1')))?.eventId, 'e3', 'the later write of S1 last');
  assert.deepEqual(Object.keys((await state.get('acme', 'S1', 'coupa|syspro')) ?? {}).sort(), ['name', 'status']);

  // One record's bad data: the statement is refused, run again per record, and only that record fails, naming it.
  queries.length = 0;
  const refused = await Promise.allSettled([
    state.remember(ref('S3'), written('e4', '2026-01-01T00:00:00Z'), 'coupa|syspro', {}),
    state.remember(ref('S4'), written('e5', 'not a time'), 'coupa|syspro', {}),
    state.remember(ref('S5'), written('e6', '2026-01-01T00:00:00Z'), 'coupa|syspro', {}),
  ]);
  assert.deepEqual(queries.map((values) => values[3]), [['S3', 'S4', 'S5'], ['S3'], ['S4'], ['S5']]);
  assert.deepEqual(
    refused.map((r) => r.status === 'rejected' && isMlcError(r.reason) && [r.reason.context.naturalKey, r.reason.context.sqlState]),
    [false, ['S4', '22007'], false],
  );
  assert.equal((await records.get(ref('S5')))?.eventId, 'e6');

  // A statement that fails for another reason (here: no tables in the schema) fails each of its callers, each naming its record.
  const bare = createPool(await isolatedSchemaUrl(t, 'bare'), { max: 1 });
  t.after(() => bare.end());
  let statements = 0;
  const failing = createSyncStateStore({ db: { query: (text) => (statements++, bare.query(text as pg.QueryConfig)) } });
  const results = await Promise.allSettled(['S6', 'S7', 'S8'].map((key) => failing.open(ref(key), 'coupa|syspro', {})));
  assert.equal(statements, 1, 'one statement for the three');
  assert.deepEqual(
    results.map((r) => r.status === 'rejected' && isMlcError(r.reason) && [r.reason.context.naturalKey, r.reason.context.operation, r.reason.context.sqlState]),
    ['S6', 'S7', 'S8'].map((key) => [key, 'read target record and sync state', '42P01']),
  );
});
