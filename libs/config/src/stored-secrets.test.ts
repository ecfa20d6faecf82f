import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MlcError } from '@mlc/errors';
import { readConnections, storedSecretNames, type SecretStore } from './connections.js';
import { loadConnections } from './connections.js';

function writeJson(value: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlc-config-'));
  const path = join(dir, 'connections.json');
  writeFileSync(path, JSON.stringify(value));
  return path;
}

function memoryStore(values: Record<string, string>): SecretStore & { values: Record<string, string>; reads: string[] } {
  const reads: string[] = [];
  return {
    values,
    reads,
    cacheMs: 0,
    read(name) {
      reads.push(name);
      if (name === 'broken') return Promise.reject(new MlcError('MLC_DECODE_FAILED', 'not authentic'));
      return Promise.resolve(values[name]);
    },
  };
}

async function issuesOf(promise: Promise<unknown>): Promise<Array<{ path: string; message: string }>> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MlcError);
    assert.equal(error.code, 'MLC_CONFIG_INVALID');
    return (error.context as { issues: Array<{ path: string; message: string }> }).issues;
  }
  return assert.fail('expected a configuration error');
}

const both = {
  connections: [
    {
      id: 'acme',
      syspro: { odata: { url: 'http://127.0.0.1:4010/odata', company: 'EDU1', username: 'INTEG', password: { env: 'NOT_MOUNTED_HERE' } } },
      coupa: { url: 'http://127.0.0.1:4020', clientId: 'mlc', clientSecret: { store: 'acme-coupa' }, scopes: ['core.supplier.write'] },
      infor: { ionapiFile: 'missing.ionapi' },
    },
  ],
};

test('{ "store" } secrets come from the store and follow it; other sections are neither read nor validated', async () => {
  const store = memoryStore({ 'acme-coupa': 'from-the-store' });
  const file = await readConnections(writeJson(both), { env: {}, store, sections: ['coupa'] });
  const [acme] = file.connections;
  assert.equal(acme?.coupa?.clientSecret.reveal(), 'from-the-store');
  assert.equal(acme?.syspro, undefined, 'the SYSPRO section (whose env variable is not set here) is left out');
  assert.deepEqual(store.reads, ['acme-coupa']);
  store.values['acme-coupa'] = 'rotated';
  assert.equal(await acme?.coupa?.clientSecret.refresh(), 'rotated');
});

test('every section is resolved by default: the missing SYSPRO variable is reported', async () => {
  const issues = await issuesOf(readConnections(writeJson(both), { env: {}, store: memoryStore({ 'acme-coupa': 'x' }) }));
  assert.deepEqual(issues.map((i) => i.path), ['connections[0].syspro.odata.password']);
});

test('a missing, unreadable or store-less { "store" } reference is a configuration problem at its path', async () => {
  const file = (name: string) => ({ connections: [{ id: 'a', coupa: { url: 'http://127.0.0.1:1', clientId: 'c', clientSecret: { store: name }, scopes: ['s'] } }] });
  for (const [name, store] of [
    ['absent', memoryStore({})],
    ['broken', memoryStore({})],
    ['acme-coupa', undefined],
  ] as const) {
    const issues = await issuesOf(readConnections(writeJson(file(name)), { store, sections: ['coupa'] }));
    assert.deepEqual(issues.map((i) => i.path), ['connections[0].coupa.clientSecret'], name);
  }
  // The synchronous loader has no store at all.
  assert.throws(() => loadConnections(writeJson(file('x'))), (e: MlcError) => e.code === 'MLC_CONFIG_INVALID');
});

test('storedSecretNames finds references in the chosen sections only', () => {
  assert.deepEqual(storedSecretNames(both, ['coupa']), ['acme-coupa']);
  assert.deepEqual(storedSecretNames(both, ['syspro', 'infor']), []);
  assert.deepEqual(storedSecretNames({ connections: [{ coupa: { webhook: { oauthClients: [{ clientSecret: { store: 'b' } }, { clientSecret: { store: 'a' } }] } } }] }), ['a', 'b']);
});

test('a { "file" } secret follows its file as a Kubernetes Secret update rewrites it', async () => {
  const path = writeJson({ connections: [{ id: 'a', coupa: { url: 'http://127.0.0.1:1', clientId: 'c', clientSecret: { file: 'coupa.secret' }, scopes: ['s'] } }] });
  const dir = join(path, '..');
  writeFileSync(join(dir, 'coupa.secret'), 'first\n');
  const secret = loadConnections(path).connections[0]!.coupa!.clientSecret;
  assert.equal(secret.reveal(), 'first');
  // The kubelet writes the new content beside and swaps it in atomically.
  writeFileSync(join(dir, 'coupa.secret.new'), 'second\n');
  renameSync(join(dir, 'coupa.secret.new'), join(dir, 'coupa.secret'));
  assert.equal(await secret.refresh(), 'second');
});
