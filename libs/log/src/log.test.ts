import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { MlcError } from '@mlc/errors';
import fc from 'fast-check';
import { createLogger, redactSecrets, redactText } from './index.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { destination, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('secrets are redacted at any depth we use', () => {
  const out = capture();
  const logger = createLogger({ name: 't', destination: out.destination });
  logger.info(
    {
      password: 'S3CR3T-p1',
      connection: { coupa: { clientSecret: 'S3CR3T-c1', url: 'http://x' }, syspro: { odata: { password: 'S3CR3T-p2' } } },
      headers: { authorization: 'Bearer S3CR3T-abc', accept: 'application/json' },
      token: { access_token: 'S3CR3T-tok' },
      ionapi: { cs: 'S3CR3T-ion', sask: 'S3CR3T-sa', ci: 'client-id' },
    },
    'connecting',
  );
  const raw = out.lines.join('\n');
  assert.ok(!raw.includes('S3CR3T'), `a secret reached the log: ${raw}`);
  assert.equal((out.records()[0]?.connection as { coupa: { clientSecret: string } }).coupa.clientSecret, '[redacted]');
  assert.ok(raw.includes('client-id'), 'non-secret fields survive');
  assert.ok(raw.includes('http://x'));
});

test('child loggers keep redaction and errors keep code and context', () => {
  const out = capture();
  const logger = createLogger({ name: 't', destination: out.destination }).child({ component: 'coupa-client' });
  const err = new MlcError('MLC_HTTP_SERVER_ERROR', 'Coupa answered 503', { context: { status: 503, path: '/api/suppliers' } });
  logger.error({ err, secret: 'hush' }, 'call failed');
  const [record] = out.records();
  assert.equal(record?.component, 'coupa-client');
  assert.equal(record?.level, 'error');
  const logged = record?.err as { code: string; context: { status: number } };
  assert.equal(logged.code, 'MLC_HTTP_SERVER_ERROR');
  assert.equal(logged.context.status, 503);
  assert.equal(record?.secret, '[redacted]');
});

test('supplier bank details are redacted wherever an event or document carries them', () => {
  const out = capture();
  const logger = createLogger({ name: 't', destination: out.destination });
  logger.warn(
    {
      event: { data: { number: 'ACME01', bank: { accountNumber: 'BANK-4711', iban: 'GB29NWBK60161331926819', bankCode: '20-00-00' } } },
      data: { bank: { accountName: 'Acme', accountNumber: 'BANK-4712' } },
      item: { BankAccount: 'BANK-4713', BankBranch: 'BRANCH-99', Contact: 'Jane' },
      iban: 'GB29NWBK60161331926820',
    },
    'supplier write failed',
  );
  const raw = out.lines.join('\n');
  for (const secret of ['BANK-47', 'GB29NWBK', '20-00-00', 'BRANCH-99']) assert.ok(!raw.includes(secret), `${secret} reached the log: ${raw}`);
  assert.ok(raw.includes('ACME01') && raw.includes('Jane'), 'the rest of the record survives');
});

// Every way a secret's name is spelt in our objects, vendors' documents and HTTP headers.
const SECRET_NAMES = [
  'password', 'Password', 'PASSWORD', 'operatorPassword', 'secret', 'clientSecret', 'client_secret', 'CLIENT_SECRET', 'hmacSecret',
  'token', 'accessToken', 'access_token', 'refresh_token', 'authorization', 'Authorization', 'AUTHORIZATION', 'proxy-authorization',
  'cookie', 'Set-Cookie', 'apiKey', 'api_key', 'x-api-key', 'X-API-Key', 'apikey', 'saak', 'sask', 'SAAK', 'cs', 'masterKey', 'iban', 'IBAN', 'bank', 'accountNumber',
];
const PLAIN_NAMES = ['id', 'name', 'url', 'headers', 'config', 'connection', 'request', 'data', 'items', 'context', 'status', 'detail'];

const secretValue = fc.stringMatching(/^[A-Za-z0-9]{6,16}$/).map((s) => `S3CR3T${s}`);
const plainValue = fc.oneof(fc.stringMatching(/^[a-z ]{0,12}$/), fc.integer(), fc.boolean(), fc.constant(null));

/** Nested objects and arrays with secrets under secret names (and in URLs' query strings) at any depth. */
const nested = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    plainValue,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...PLAIN_NAMES), tie('node'), { maxKeys: 4 }),
    fc.record({ key: fc.constantFrom(...SECRET_NAMES), value: fc.oneof(secretValue, fc.record({ value: secretValue })) }).map(({ key, value }) => ({ [key]: value })),
    fc.tuple(fc.constantFrom('access_token', 'token', 'apiKey', 'client_secret', 'sig'), secretValue).map(([name, value]) => `https://acme.example/api/x?page=2&${name}=${value}&b=1`),
    secretValue.map((value) => `Bearer ${value}`),
  ),
})).node;

test('property: no secret value under a secret name, at any depth and in any casing, reaches a log line', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom(...PLAIN_NAMES), nested, { minKeys: 1, maxKeys: 4 }), (payload) => {
      const out = capture();
      const logger = createLogger({ name: 't', destination: out.destination });
      logger.info(payload, 'call failed');
      logger.child({ binding: payload }).warn('child');
      logger.error({ err: new MlcError('MLC_HTTP_CLIENT_ERROR', 'refused', { context: { request: payload } }) }, 'with error');
      const raw = out.lines.join('\n');
      assert.ok(!raw.includes('S3CR3T'), `a secret reached the log: ${raw}`);
    }),
    { numRuns: 300 },
  );
});

test('nested authorization headers, other casings, apiKey and the .ionapi saak/sask are redacted below depth three', () => {
  const out = capture();
  const logger = createLogger({ name: 't', destination: out.destination });
  logger.info({ err: { config: { request: { headers: { Authorization: 'Bearer S3CR3T-1', AUTHORIZATION: 'S3CR3T-2' } } } }, a: { b: { c: { d: { apiKey: 'S3CR3T-3', saak: 'S3CR3T-4', sask: 'S3CR3T-5' } } } } }, 'x');
  const raw = out.lines.join('\n');
  assert.ok(!raw.includes('S3CR3T'), raw);
});

test('tokens in URLs\' query strings are redacted in messages, fields and errors; the rest of the URL stays', () => {
  const out = capture();
  const logger = createLogger({ name: 't', destination: out.destination });
  logger.warn({ url: 'https://x.example/cb?state=ok&access_token=S3CR3T-q1' }, 'GET https://x.example/a?apikey=S3CR3T-q2&page=3');
  logger.error({ err: new Error('fetch https://x.example/b?token=S3CR3T-q3 failed') }, 'failed');
  const raw = out.lines.join('\n');
  assert.ok(!raw.includes('S3CR3T'), raw);
  assert.ok(raw.includes('state=ok') && raw.includes('page=3'));
});

test('redactSecrets copies: the object logged is not changed; redactText leaves ordinary text alone', () => {
  const original = { headers: { authorization: 'Bearer abc' } };
  const copy = redactSecrets(original) as { headers: { authorization: string } };
  assert.equal(copy.headers.authorization, '[redacted]');
  assert.equal(original.headers.authorization, 'Bearer abc');
  assert.equal(redactText('GET /api/suppliers?po-number=42'), 'GET /api/suppliers?po-number=42');
});
