import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { MlcError } from '@mlc/errors';
import { Secret, connectionById, loadConnections, loadEnv } from './index.js';

function writeJson(value: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlc-config-'));
  const path = join(dir, 'connections.json');
  writeFileSync(path, JSON.stringify(value));
  return path;
}

function configIssues(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof MlcError);
    assert.equal(error.code, 'MLC_CONFIG_INVALID');
    return (error.context as { issues: Array<{ path: string; message: string }> }).issues;
  }
  assert.fail('expected a configuration error');
}

const valid = {
  connections: [
    {
      id: 'acme',
      syspro: { odata: { url: 'http://127.0.0.1:4010/SYSPRO8Odata/SYSPROOData', company: 'EDU1', username: 'INTEG', password: { env: 'ODATA_PW' } } },
      coupa: { url: 'http://127.0.0.1:4020', clientId: 'mlc', clientSecret: { file: 'coupa.secret' }, scopes: ['core.supplier.write'] },
      infor: { ionapiFile: 'tenant.ionapi', requestsPerMinute: 100 },
    },
  ],
};

test('a valid file loads with defaults, resolved secrets and paths', () => {
  const path = writeJson(valid);
  writeFileSync(join(path, '..', 'coupa.secret'), 's3cret-from-file\n');
  const file = loadConnections(path, { env: { ODATA_PW: 'odata-pw' } });
  const acme = connectionById(file, 'acme');
  assert.equal(acme.syspro?.odata.password.reveal(), 'odata-pw');
  assert.equal(acme.syspro?.odata.pageSize, 1000);
  assert.equal(acme.syspro?.poll.intervalSeconds, 300);
  assert.equal(acme.coupa?.clientSecret.reveal(), 's3cret-from-file');
  assert.equal(acme.coupa?.rateLimit.perSecond, 25);
  assert.equal(acme.coupa?.rateLimit.burst, 20);
  assert.equal(acme.coupa?.apiVersion.header, 'X-Coupa-API-Version');
  assert.equal(acme.coupa?.timeoutMs, 30_000);
  assert.equal(acme.infor?.ionapiFile, join(path, '..', 'tenant.ionapi'));
  assert.equal(acme.infor?.tokenRefreshBeforeSeconds, 300);
});

test('every problem is reported at once, naming the field', () => {
  const broken = {
    connections: [
      { id: 'Bad Id', coupa: { url: 'not a url', clientId: '', clientSecret: { env: 'MISSING' }, scopes: [] } },
      { id: 'x', infor: { ionapiFile: 'a', requestsPerMinute: 0 }, extra: true },
    ],
  };
  const issues = configIssues(() => loadConnections(writeJson(broken), { env: {} }));
  const paths = issues.map((i) => i.path);
  for (const expected of [
    'connections[0].id',
    'connections[0].coupa.url',
    'connections[0].coupa.clientId',
    'connections[0].coupa.clientSecret',
    'connections[0].coupa.scopes',
    'connections[1].infor.requestsPerMinute',
    'connections[1]',
  ]) {
    assert.ok(paths.includes(expected), `missing issue for ${expected}: ${paths.join(', ')}`);
  }
  assert.match(issues.find((i) => i.path === 'connections[0].coupa.clientSecret')!.message, /MISSING/);
});

test('duplicate connection ids and unknown ids are errors', () => {
  const dup = { connections: [{ id: 'a' }, { id: 'a' }] };
  const issues = configIssues(() => loadConnections(writeJson(dup)));
  assert.deepEqual(issues.map((i) => i.path), ['connections[1].id']);
  const file = loadConnections(writeJson({ connections: [{ id: 'a' }] }));
  assert.throws(() => connectionById(file, 'b'), (e: MlcError) => e.code === 'MLC_CONFIG_INVALID');
});

test('unreadable or non-JSON files give a config error', () => {
  assert.throws(() => loadConnections('/nonexistent/connections.json'), (e: MlcError) => e.code === 'MLC_CONFIG_INVALID');
  const dir = mkdtempSync(join(tmpdir(), 'mlc-config-'));
  writeFileSync(join(dir, 'c.json'), '{ not json');
  assert.throws(() => loadConnections(join(dir, 'c.json')), (e: MlcError) => e.code === 'MLC_CONFIG_INVALID');
});

test('vendor mapping schemas are checked in the same pass', () => {
  const mapping = z.object({ lookupName: z.string() });
  const file = { connections: [{ id: 'a', mappings: { coupa: { lookupName: 7 } } }] };
  const issues = configIssues(() => loadConnections(writeJson(file), { mappings: { coupa: mapping } }));
  assert.deepEqual(issues.map((i) => i.path), ['connections[0].mappings.coupa.lookupName']);
});

test('secrets never print', () => {
  const secret = new Secret('hunter2');
  assert.equal(String(secret), '[secret]');
  assert.equal(JSON.stringify({ secret }), '{"secret":"[secret]"}');
  assert.ok(!inspect({ secret }).includes('hunter2'));
  assert.equal(secret.reveal(), 'hunter2');
});

test('environment settings: defaults, broker list, all errors at once', () => {
  const env = loadEnv({ KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19094', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081/apis/ccompat/v7', DATABASE_URL: 'postgres://postgres@127.0.0.1/mlc' });
  assert.deepEqual(env.KAFKA_BROKERS, ['127.0.0.1:19092', '127.0.0.1:19094']);
  assert.equal(env.PORT, 8080);
  assert.equal(env.LOG_LEVEL, 'info');
  assert.ok(Object.isFrozen(env));
  const issues = configIssues(() => loadEnv({ KAFKA_BROKERS: 'nohostport', PORT: 'eighty' }));
  assert.deepEqual(issues.map((i) => i.path).sort(), ['DATABASE_URL', 'KAFKA_BROKERS[0]', 'PORT', 'SCHEMA_REGISTRY_URL']);
});
