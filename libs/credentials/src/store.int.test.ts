import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { createPool, migrate } from '@mlc/db';
import { MlcError } from '@mlc/errors';
import { isolatedSchemaUrl } from '@mlc/testing';
import { masterKeyFrom, type MasterKey } from './envelope.js';
import { createKeyRing } from './keys.js';
import { CREDENTIALS_MIGRATIONS, createCredentialStore } from './store.js';

/** A pool on a schema of its own, the store's table migrated into it. */
async function isolatedPool(t: { after: (fn: () => Promise<void>) => void }): Promise<pg.Pool> {
  const pool = createPool(await isolatedSchemaUrl(t, 'creds'), { max: 2 });
  t.after(() => pool.end());
  await migrate(pool, { component: 'credentials', dir: CREDENTIALS_MIGRATIONS });
  return pool;
}

const key = (id: string): MasterKey => masterKeyFrom(randomBytes(32).toString('base64'), id, 'test');

async function codeOf(promise: Promise<unknown>): Promise<[string, unknown]> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MlcError);
    return [error.code, error.context.reason];
  }
  return assert.fail('expected an error');
}

test('set, read, rotate, list: values encrypted at rest, never listed', async (t) => {
  const db = await isolatedPool(t);
  const store = createCredentialStore({ db, keys: createKeyRing({ load: () => [key('k1')] }) });
  assert.equal(await store.read('acme-coupa'), undefined);
  const created = await store.put('acme-coupa', 'first-secret-value', 'create');
  assert.deepEqual([created.version, created.masterKeyId], [1, 'k1']);
  assert.deepEqual(await codeOf(store.put('acme-coupa', 'again', 'create')), ['MLC_CONFIG_INVALID', 'exists']);
  assert.deepEqual(await codeOf(store.put('nobody', 'x', 'replace')), ['MLC_CONFIG_INVALID', 'not-found']);
  assert.deepEqual(await codeOf(store.put('Bad Name', 'x', 'create')), ['MLC_CONFIG_INVALID', 'bad-name']);
  assert.equal(await store.read('acme-coupa'), 'first-secret-value');

  const rotated = await store.put('acme-coupa', 'second-secret-value', 'replace');
  assert.equal(rotated.version, 2);
  assert.equal(await store.read('acme-coupa'), 'second-secret-value');

  const { rows } = await db.query<{ dump: string }>(`select row_to_json(c)::text as dump from mlc_credentials c`);
  assert.ok(!rows[0]!.dump.includes('second-secret-value') && !rows[0]!.dump.includes(Buffer.from('second-secret-value').toString('hex')), 'no clear text at rest');

  const listed = await store.list();
  assert.deepEqual(listed.map((c) => [c.name, c.version, c.masterKeyId]), [['acme-coupa', 2, 'k1']]);
  assert.ok(!JSON.stringify(listed).includes('secret-value'));
});

test('a row moved to another name in the database does not open', async (t) => {
  const db = await isolatedPool(t);
  const store = createCredentialStore({ db, keys: createKeyRing({ load: () => [key('k1')] }) });
  await store.put('acme-coupa', 'acme', 'create');
  await store.put('beta-coupa', 'beta', 'create');
  await db.query(`update mlc_credentials set (data_key_id, wrapped_key, ciphertext) = (select data_key_id, wrapped_key, ciphertext from mlc_credentials where name = 'acme-coupa') where name = 'beta-coupa'`);
  assert.deepEqual(await codeOf(store.read('beta-coupa')), ['MLC_DECODE_FAILED', 'not-authentic']);
});

test('master-key rotation: old key ids keep working until rewrap, rewrap keeps every value', async (t) => {
  const db = await isolatedPool(t);
  const [old, current] = [key('old'), key('new')];
  let held = [old];
  const keys = createKeyRing({ load: () => held, reloadIntervalMs: 0 });
  const store = createCredentialStore({ db, keys });
  await store.put('a', 'value-a', 'create');
  await store.put('b', 'value-b', 'create');

  held = [current, old]; // the service is given the new key first and the old one still
  await store.put('c', 'value-c', 'create');
  assert.deepEqual((await store.list()).map((c) => c.masterKeyId), ['old', 'old', 'new']);
  assert.equal(await store.read('a'), 'value-a', 'the old key still opens what it wrapped');

  assert.deepEqual(await store.rewrap(), { rewrapped: 2, masterKeyId: 'new', skipped: [] });
  assert.deepEqual(await store.rewrap(), { rewrapped: 0, masterKeyId: 'new', skipped: [] }, 'nothing left to move');
  held = [current]; // the old key retired
  assert.deepEqual((await store.list()).map((c) => c.masterKeyId), ['new', 'new', 'new']);
  assert.deepEqual([await store.read('a'), await store.read('b'), await store.read('c')], ['value-a', 'value-b', 'value-c']);

  // A process never given the new key: refused by key id, not by a decryption failure.
  const stale = createCredentialStore({ db, keys: createKeyRing({ load: () => [old] }) });
  assert.deepEqual(await codeOf(stale.read('a')), ['MLC_CONFIG_INVALID', 'unknown-master-key']);
  const unknown = await createCredentialStore({ db, keys: createKeyRing({ load: () => [key('newer')] }) }).rewrap();
  assert.deepEqual(unknown.skipped.map((s) => [s.name, s.masterKeyId]), [['a', 'new'], ['b', 'new'], ['c', 'new']], 'rows under keys it was not given are named, not touched');
});
