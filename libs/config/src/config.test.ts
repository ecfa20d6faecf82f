import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { z } from 'zod';
import { MlcError } from '@mlc/errors';
import { InfraEnv, Secret, loadConnections, loadEnv, selectConnections, selectOneConnection } from './index.js';

function writeRawJson(value: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlc-config-'));
  const path = join(dir, 'connections.json');
  writeFileSync(path, JSON.stringify(value));
  return path;
}

/** A test's connections file; its fixtures write secrets into the file, which tests may. */
function writeJson(value: object): string {
  return writeRawJson({ allowLiteralSecrets: true, ...value });
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
  const [acme] = selectConnections(file, { wanted: ['acme'], section: 'syspro', service: 'test' });
  assert.ok(acme);
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
  assert.throws(() => selectConnections(file, { wanted: ['b'], section: 'syspro', service: 'test' }), (e: MlcError) => e.code === 'MLC_CONFIG_INVALID');
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

const odata = { url: 'http://127.0.0.1:4010/SYSPRO8Odata/SYSPROOData', company: 'EDU1', username: 'INTEG', password: 'pw' };

test('unknown keys are reported at every level, one issue per key, with the closest known key', () => {
  const file = {
    connections: [
      {
        id: 'acme',
        syspro: { odata: { ...odata, pagesize: 10 }, poll: { entities: { supplier: { cursorColum: 'ChangedAt' }, suplier: {} } } },
        coupa: {
          url: 'http://127.0.0.1:4020',
          clientId: 'mlc',
          clientSecret: 's',
          scopes: ['x'],
          rateLimit: { perSecnd: 5 },
          webhook: { hmacSecret: 'hmac-secret-16-bytes', signatureHedaer: 'X-Sig', oauthClients: [{ clientId: 'c', clientSecret: 'client-secret-16-bytes', extra: 1 }] },
        },
        infor: { ionapiFile: 'a.ionapi', compnay: '100' },
        mappings: { sypro: {} },
      },
    ],
  };
  const issues = configIssues(() => loadConnections(writeJson(file)));
  assert.deepEqual(
    issues.map((i) => `${i.path}: ${i.message}`).sort(),
    [
      'connections[0].coupa.rateLimit: unknown key "perSecnd" (did you mean "perSecond"?)',
      'connections[0].coupa.webhook.oauthClients[0]: unknown key "extra"',
      'connections[0].coupa.webhook: unknown key "signatureHedaer" (did you mean "signatureHeader"?)',
      'connections[0].infor: unknown key "compnay" (did you mean "company"?)',
      'connections[0].mappings: unknown key "sypro" (did you mean "syspro"?)',
      'connections[0].syspro.odata: unknown key "pagesize" (did you mean "pageSize"?)',
      'connections[0].syspro.poll.entities.supplier: unknown key "cursorColum" (did you mean "cursorColumn"?)',
      'connections[0].syspro.poll.entities: unknown key "suplier" (did you mean "supplier"?)',
    ].sort(),
  );
});

test('a vendor section gets its mapping parsed (defaults, required keys) even when the file leaves it out', () => {
  const mapping = z.object({ defaultCurrency: z.string(), pageTitle: z.string().default('t') }).strict();
  const missing = { connections: [{ id: 'a', syspro: { odata } }] };
  const issues = configIssues(() => loadConnections(writeJson(missing), { mappings: { syspro: mapping } }));
  assert.deepEqual(issues, [{ path: 'connections[0].mappings.syspro.defaultCurrency', message: 'required (string)' }]);

  const typo = { connections: [{ id: 'a', syspro: { odata }, mappings: { syspro: { defaultCurrency: 'ZAR', pageTitel: 'x' } } }] };
  const typoIssues = configIssues(() => loadConnections(writeJson(typo), { mappings: { syspro: mapping } }));
  assert.deepEqual(typoIssues, [{ path: 'connections[0].mappings.syspro', message: 'unknown key "pageTitel" (did you mean "pageTitle"?)' }]);

  const file = loadConnections(writeJson({ connections: [{ id: 'a', syspro: { odata }, mappings: { syspro: { defaultCurrency: 'ZAR' } } }, { id: 'b' }] }), {
    mappings: { syspro: mapping },
  });
  const [a] = selectConnections(file, { wanted: undefined, section: 'syspro', service: 'test' });
  // Typed: mappings.syspro is the schema's output, present on a connection with a syspro section.
  const currency: string = a!.mappings.syspro.defaultCurrency;
  assert.equal(currency, 'ZAR');
  assert.equal(a!.mappings.syspro.pageTitle, 't');
  assert.equal(file.connections[1]!.mappings.syspro, undefined);
});

test('selectConnections: every servable connection by default, the named ones otherwise, clear errors', () => {
  const file = loadConnections(writeJson({ connections: [{ id: 'a', syspro: { odata } }, { id: 'b', syspro: { odata } }, { id: 'c' }] }));
  const params = { section: 'syspro', service: 'syspro-poller' } as const;
  assert.deepEqual(selectConnections(file, { ...params, wanted: undefined }).map((c) => c.id), ['a', 'b']);
  assert.deepEqual(selectConnections(file, { ...params, wanted: ['b'] }).map((c) => c.id), ['b']);
  const unknown = configIssues(() => selectConnections(file, { ...params, wanted: ['a', 'x', 'c'] }));
  assert.deepEqual(unknown.map((i) => i.path), ['MLC_CONNECTIONS', 'MLC_CONNECTIONS']);
  assert.match(unknown[0]!.message, /"x".*a, b, c/);
  assert.match(unknown[1]!.message, /"c".*a, b/);
  const none = loadConnections(writeJson({ connections: [{ id: 'c' }] }));
  assert.deepEqual(configIssues(() => selectConnections(none, { ...params, wanted: undefined })).map((i) => i.path), ['connections']);
});

test('selectOneConnection: the named one, or the only servable one; several is an error', () => {
  const one = loadConnections(writeJson({ connections: [{ id: 'a', syspro: { odata } }, { id: 'c' }] }));
  const params = { section: 'syspro', service: 'syspro-poller' } as const;
  assert.equal(selectOneConnection(one, { ...params, wanted: undefined }).id, 'a');
  const two = loadConnections(writeJson({ connections: [{ id: 'a', syspro: { odata } }, { id: 'b', syspro: { odata } }] }));
  assert.equal(selectOneConnection(two, { ...params, wanted: ['b'] }).syspro.odata.company, 'EDU1');
  assert.deepEqual(configIssues(() => selectOneConnection(two, { ...params, wanted: undefined })).map((i) => i.path), ['MLC_CONNECTIONS']);
  assert.deepEqual(configIssues(() => selectOneConnection(two, { ...params, wanted: ['a', 'b'] })).map((i) => i.path), ['MLC_CONNECTIONS']);
});

const INFRA = { KAFKA_BROKERS: '127.0.0.1:19092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:18081', DATABASE_URL: 'postgres://postgres@127.0.0.1/mlc' };

test('MLC_CONNECTIONS: a comma-separated list of ids, unset by default', () => {
  assert.equal(loadEnv(INFRA).MLC_CONNECTIONS, undefined);
  assert.deepEqual(loadEnv({ ...INFRA, MLC_CONNECTIONS: 'acme, beta,' }).MLC_CONNECTIONS, ['acme', 'beta']);
  assert.deepEqual(configIssues(() => loadEnv({ ...INFRA, MLC_CONNECTIONS: ' , ' })).map((i) => i.path), ['MLC_CONNECTIONS']);
});

test('a misspelt or renamed MLC_* variable is an error naming the setting it resembles; others are left alone', () => {
  const schema = InfraEnv.extend({ MLC_LEADER_RETRY_MS: z.string().optional() });
  const issues = configIssues(() => loadEnv({ ...INFRA, MLC_CONNECTION: 'acme', MLC_LEADER_RETRY: '5', MLC_STACK_DIR: '/x', OTHER_CONNECTION: 'y' }, schema));
  assert.deepEqual(issues, [
    { path: 'MLC_CONNECTION', message: 'unknown variable "MLC_CONNECTION" (did you mean "MLC_CONNECTIONS"?)' },
    { path: 'MLC_LEADER_RETRY', message: 'unknown variable "MLC_LEADER_RETRY" (did you mean "MLC_LEADER_RETRY_MS"?)' },
  ]);
  assert.equal(loadEnv({ ...INFRA, MLC_STACK_DIR: '/x', MLC_TEST_INFRA: 'local' }, schema).MLC_LEADER_RETRY_MS, undefined);
});

// issue 12 finding 3: secrets fail closed.
const STRONG = 'a-strong-secret-of-32-bytes-long';
function coupaFile(coupa: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    connections: [{ id: 'acme', coupa: { url: 'https://acme.coupahost.example', clientId: 'mlc', clientSecret: { env: 'CS' }, scopes: ['core.supplier.write'], ...coupa }, ...extra }],
  };
}
const parseIssues = (file: unknown, env: NodeJS.ProcessEnv = { CS: STRONG, H: STRONG }) => configIssues(() => parseConfigFile(file, env));
function parseConfigFile(file: unknown, env: NodeJS.ProcessEnv) {
  const path = writeRawJson(file);
  return loadConnections(path, { env });
}

test('empty or whitespace secrets are refused, naming the field', () => {
  const issues = parseIssues(coupaFile({ webhook: { hmacSecret: { env: 'H' }, oauthClients: [{ clientId: 'c', clientSecret: { env: 'BLANK' } }] } }), { CS: '', H: '   ', BLANK: ' \t' });
  assert.deepEqual(issues.map((i) => i.path).sort(), ['connections[0].coupa.clientSecret', 'connections[0].coupa.webhook.hmacSecret', 'connections[0].coupa.webhook.oauthClients[0].clientSecret']);
});

test('call-out secrets (HMAC, OAuth call-out clients) need at least 16 bytes', () => {
  const issues = parseIssues(coupaFile({ webhook: { hmacSecret: { env: 'SHORT' }, oauthClients: [{ clientId: 'c', clientSecret: { env: 'SHORT' } }] } }), { CS: STRONG, SHORT: 'fifteen-bytes-x' });
  assert.deepEqual(issues.map((i) => i.path).sort(), ['connections[0].coupa.webhook.hmacSecret', 'connections[0].coupa.webhook.oauthClients[0].clientSecret']);
  assert.doesNotThrow(() => parseConfigFile(coupaFile({ webhook: { hmacSecret: { env: 'H' } } }), { CS: STRONG, H: 'sixteen-bytes-xx' }));
});

test('literal secrets are refused unless the file allows them (the sandbox, tests); empty literals are no secret', () => {
  const literal = coupaFile({ clientSecret: STRONG, webhook: { hmacSecret: STRONG } });
  assert.deepEqual(parseIssues(literal).map((i) => i.path).sort(), ['connections[0].coupa.clientSecret', 'connections[0].coupa.webhook.hmacSecret']);
  assert.doesNotThrow(() => parseConfigFile({ ...literal, allowLiteralSecrets: true }, {}));
});

test('call-out token lifetimes are capped at a day', () => {
  const issues = parseIssues(coupaFile({ webhook: { hmacSecret: { env: 'H' }, tokenTtlSeconds: 86_401 } }));
  assert.deepEqual(issues.map((i) => i.path), ['connections[0].coupa.webhook.tokenTtlSeconds']);
});

test('http:// to a non-loopback host is refused for credentials-bearing sections unless the connection allows it', () => {
  const file = {
    connections: [
      {
        id: 'acme',
        syspro: { odata: { url: 'http://syspro.acme.example/SYSPRO8Odata/SYSPROOData', company: 'EDU1', username: 'INTEG', password: { env: 'CS' } } },
        coupa: { url: 'http://acme.coupahost.example', clientId: 'mlc', clientSecret: { env: 'CS' }, scopes: ['core.supplier.write'] },
      },
    ],
  };
  assert.deepEqual(parseIssues(file).map((i) => i.path).sort(), ['connections[0].coupa.url', 'connections[0].syspro.odata.url']);
  assert.doesNotThrow(() => parseConfigFile({ connections: [{ ...file.connections[0], allowInsecureHttp: true }] }, { CS: STRONG }));
  const loopback = coupaFile({ url: 'http://127.0.0.1:4020' });
  assert.doesNotThrow(() => parseConfigFile(loopback, { CS: STRONG }));
  assert.doesNotThrow(() => parseConfigFile(coupaFile({ url: 'http://localhost:4020' }), { CS: STRONG }));
});

test('a connections file that is not JSON: the error gives the position, never the file\'s content', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlc-config-'));
  const path = join(dir, 'c.json');
  writeFileSync(path, '{"connections": [{"id": "acme", "coupa": {"clientSecret": hunter2-S3CR3T}}]}');
  try {
    loadConnections(path);
    assert.fail('expected a configuration error');
  } catch (error) {
    assert.ok(error instanceof MlcError && error.code === 'MLC_CONFIG_INVALID');
    const everything = `${error.message} ${JSON.stringify(error.context)} ${inspect(error.cause)} ${String((error.cause as Error | undefined)?.message)}`;
    assert.ok(!everything.includes('S3CR3T') && !everything.includes('hunter2'), everything);
  }
});
