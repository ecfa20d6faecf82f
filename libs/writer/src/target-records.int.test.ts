import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPool } from '@mlc/db';
import { testInfra, uniqueName } from '@mlc/testing';
import { createTargetRecordStore, TARGET_RECORDS_MIGRATIONS } from './target-records.js';

test('remembers targets per record and never regresses to an older source time', async (t) => {
  const pool = createPool(testInfra().databaseUrl, { max: 2 });
  await pool.query(readFileSync(new URL('001_target_records.sql', TARGET_RECORDS_MIGRATIONS), 'utf8'));
  const store = createTargetRecordStore({ db: pool });
  const ref = { connection: uniqueName('conn'), targetSystem: 'coupa', entityType: 'supplier', naturalKey: 'ACME01' };
  t.after(async () => {
    await pool.query('delete from mlc_target_records where connection = $1', [ref.connection]);
    await pool.end();
  });

  assert.equal(await store.get(ref), undefined);
  await store.remember(ref, { targetId: '17', contentHash: 'a'.repeat(64), sourceTime: '2026-11-20T10:00:00Z', eventId: 'e1' });
  await store.remember(ref, { targetId: null, contentHash: 'b'.repeat(64), sourceTime: '2026-11-21T10:00:00Z', eventId: 'e2' });
  let got = await store.get(ref);
  assert.equal(got?.targetId, '17', 'a null target id keeps the known one');
  assert.equal(got?.contentHash, 'b'.repeat(64));

  await store.remember(ref, { targetId: '17', contentHash: 'c'.repeat(64), sourceTime: '2026-11-19T10:00:00Z', eventId: 'e0' });
  got = await store.get(ref);
  assert.equal(got?.eventId, 'e2', 'an older snapshot does not overwrite a newer one');

  const other = await store.get({ ...ref, targetSystem: 'infor' });
  assert.equal(other, undefined, 'records are kept per target system');
});

test('records asked for at the same moment share one statement, each caller getting its own (or none)', async (t) => {
  const pool = createPool(testInfra().databaseUrl, { max: 2 });
  await pool.query(readFileSync(new URL('001_target_records.sql', TARGET_RECORDS_MIGRATIONS), 'utf8'));
  const statements: string[] = [];
  const counted = {
    query: ((text: string | { name?: string; text: string }, values?: unknown[]) => {
      statements.push(typeof text === 'string' ? text : (text.name ?? text.text));
      return pool.query(text as string, values);
    }) as Parameters<typeof createTargetRecordStore>[0]['db']['query'],
  };
  const store = createTargetRecordStore({ db: counted });
  const connection = uniqueName('conn');
  t.after(async () => {
    await pool.query('delete from mlc_target_records where connection = $1', [connection]);
    await pool.end();
  });
  const ref = (naturalKey: string, targetSystem = 'coupa') => ({ connection, targetSystem, entityType: 'supplier', naturalKey });
  for (const [key, id] of [['A', '1'], ['C', '3'], ['E', '5']] as const) {
    await store.remember(ref(key), { targetId: id, contentHash: key.repeat(64), sourceTime: '2026-11-20T10:00:00Z', eventId: `e-${key}` });
  }
  statements.length = 0;

  const refs = [ref('E'), ref('B'), ref('A'), ref('A', 'infor'), ref('C'), ref('A')];
  const got = await Promise.all(refs.map((r) => store.get(r)));
  assert.deepEqual(got.map((r) => r?.targetId), ['5', undefined, '1', undefined, '3', '1']);
  assert.deepEqual(got.map((r) => r?.eventId), ['e-E', undefined, 'e-A', undefined, 'e-C', 'e-A']);
  assert.deepEqual(statements, ['mlc_target_record_get_many'], 'one statement');

  statements.length = 0;
  assert.equal((await store.get(ref('C')))?.targetId, '3');
  assert.deepEqual(statements, ['mlc_target_record_get'], 'one alone: the single-row statement');
});
