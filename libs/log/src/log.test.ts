import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { MlcError } from '@mlc/errors';
import { createLogger } from './index.js';

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
