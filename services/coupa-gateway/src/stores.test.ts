import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createLogger } from '@mlc/log';
import { createExpiry, createRejectionLog, type Queryable } from './stores.js';

function recordingDb() {
  const statements: { text: string; values: unknown[] }[] = [];
  const db: Queryable = {
    query: async <R extends object>(text: string, values: unknown[] = []) => {
      statements.push({ text, values });
      return { rows: [] as R[], rowCount: 0 };
    },
  };
  return { db, statements };
}

test('a rejected body is kept as its hash, its size and an excerpt without bank details or secrets', async () => {
  const { db, statements } = recordingDb();
  const body = Buffer.from(JSON.stringify({ number: 'ACME01', 'bank-account': { iban: 'GB29NWBK60161331926819', 'account-number': '31926819' }, 'primary-contact': { password: 'S3CR3T-1' }, name: 'Acme' }));
  await createRejectionLog({ db }).record({ connection: 'acme', coupaEventId: 'e-1', eventType: 'supplier.updated', status: 422, code: 'MLC_MAPPING_FAILED', reason: 'x', body });
  const [insert] = statements;
  const stored = JSON.stringify(insert!.values);
  for (const secret of ['GB29NWBK', '31926819', 'S3CR3T']) assert.ok(!stored.includes(secret), `${secret} stored: ${stored}`);
  assert.ok(stored.includes('ACME01'), 'the rest of the excerpt stays');
  assert.ok(insert!.values.includes(createHash('sha256').update(body).digest('hex')));
  assert.ok(insert!.values.includes(body.length));
});

test('a rejected body that is not JSON keeps an excerpt with its digits masked (account numbers)', async () => {
  const { db, statements } = recordingDb();
  await createRejectionLog({ db }).record({ connection: 'acme', coupaEventId: 'e-2', eventType: 'supplier.updated', status: 400, code: 'malformed-json', reason: 'x', body: Buffer.from('{"iban": "GB29NWBK60161331926819", ') });
  const stored = JSON.stringify(statements[0]!.values);
  assert.ok(!stored.includes('60161331926819'), stored);
});

test('expiry purges old PO order lines with the deliveries and rejections', async () => {
  const { db, statements } = recordingDb();
  const expiry = createExpiry({
    db,
    logger: createLogger({ name: 't', level: 'silent' }),
    deliveryRetentionMs: 1,
    rejectionRetentionMs: 2,
    orderLineRetentionMs: 3,
    intervalMs: 60_000,
  });
  await expiry.runOnce();
  const purged = statements.filter((s) => s.text.startsWith('delete')).map((s) => /delete from (\w+)/.exec(s.text)?.[1]);
  assert.deepEqual(purged.sort(), ['coupa_gateway_deliveries', 'coupa_gateway_order_lines', 'coupa_gateway_rejections']);
  const orderLines = statements.find((s) => s.text.includes('coupa_gateway_order_lines'))!;
  assert.ok(orderLines.text.includes('updated_at') && orderLines.values[0] === '3 milliseconds');
});
