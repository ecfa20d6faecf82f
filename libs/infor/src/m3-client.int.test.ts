import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MlcError } from '@mlc/errors';
import { createInforApi } from './m3-api.js';
import { createM3Client, m3FailureOf, type M3ClientParams } from './m3-client.js';
import { DEFAULT_INFOR_MAPPING } from './mapping.js';
import { maxInWindow, simulator } from './test-support.js';

// The M3 client against the Infor simulator: both follow vendors.md §3 / docs/infor.md, built
// independently, so this is where a disagreement shows.
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20 };

async function setup(t: Parameters<typeof simulator>[0], simOptions: Parameters<typeof simulator>[1] = {}, clientOptions: Partial<M3ClientParams> = {}) {
  const env = await simulator(t, simOptions);
  const m3 = createM3Client({ credentials: env.credentials, company: '100', division: 'AAA', requestsPerMinute: false, retry: FAST_RETRY, ...clientOptions });
  t.after(() => m3.close());
  return { ...env, m3, api: createInforApi({ m3, transactions: DEFAULT_INFOR_MAPPING.transactions }) };
}

test('supplier read, add, update; an unknown supplier is not found', async (t) => {
  const { api } = await setup(t);
  assert.equal(await api.getSupplier('NOPE'), undefined);
  await api.addSupplier({ SUNO: 'MLC1', SUNM: 'Mlc One', TEPY: '30' });
  await api.updateSupplier({ SUNO: 'MLC1', SUNM: 'Mlc One Renamed' });
  const found = await api.getSupplier('MLC1');
  assert.equal(found?.SUNM, 'Mlc One Renamed');
  assert.equal(found?.TEPY, '30');
});

test('business errors in HTTP 200 are MLC_VENDOR_REJECTED with M3 errorType/errorField', async (t) => {
  const { m3 } = await setup(t);
  await m3.execute('CRS620MI', 'AddSupplier', { SUNO: 'DUP1', SUNM: 'Dup' });
  await assert.rejects(m3.execute('CRS620MI', 'AddSupplier', { SUNO: 'DUP1', SUNM: 'Dup' }), (error: MlcError) => {
    assert.equal(error.code, 'MLC_VENDOR_REJECTED');
    assert.equal(error.retriable, false);
    assert.deepEqual([m3FailureOf(error)?.errorType, m3FailureOf(error)?.errorField], ['ServerReturnedNOK', 'SUNO']);
    return true;
  });
  await assert.rejects(m3.execute('CRS620MI', 'AddSupplier', { SUNO: 'X1' }), (error: MlcError) => m3FailureOf(error)?.errorField === 'SUNM');
  // ION answers HTTP 400 with the MI envelope for a transaction M3 does not have.
  await assert.rejects(m3.execute('PPS200MI', 'AddHead', { SUNO: 'X1' }), (error: MlcError) => m3FailureOf(error)?.errorType === 'TransactionNotFound');
});

test('bulk: one gateway request; a failed transaction names its index', async (t) => {
  const { m3, gatewayRequests } = await setup(t);
  const before = (await gatewayRequests()).length;
  const records = await m3.bulk('CRS620MI', [
    { transaction: 'AddSupplier', record: { SUNO: 'B1', SUNM: 'Bulk 1' } },
    { transaction: 'GetBasicData', record: { SUNO: 'B1' } },
  ]);
  assert.equal(records[1]![0]!.SUNM, 'Bulk 1');
  assert.equal((await gatewayRequests()).length - before, 1);
  await assert.rejects(
    m3.bulk('CRS620MI', [
      { transaction: 'AddSupplier', record: { SUNO: 'B2', SUNM: 'Bulk 2' } },
      { transaction: 'AddSupplier', record: { SUNO: 'B1', SUNM: 'again' } },
    ]),
    (error: MlcError) => error.code === 'MLC_VENDOR_REJECTED' && (error.context.failures as Array<{ index: number }>)[0]!.index === 1,
  );
});

test('a PO through PPS370MI and an invoice matched to its lines through APS450MI/APS455MI', async (t) => {
  const { api } = await setup(t);
  await api.addSupplier({ SUNO: 'S1', SUNM: 'Supplier 1' });
  const msgn = await api.startPoEntry('MLC');
  const puno = await api.addPoHead(msgn, { SUNO: 'S1', FACI: 'A01', WHLO: '001', DWDT: '20260320', YRE1: 'PO-1' });
  assert.equal(await api.getPurchaseOrder(puno), undefined, 'an unfinished entry is not visible');
  await api.addPoEntryLines(msgn, puno, [
    { PNLI: '1', ITNO: 'A', ORQA: '2', PUPR: '10' },
    { PNLI: '2', ITNO: 'B', ORQA: '1', PUPR: '5' },
  ]);
  await api.finishPoEntry(msgn);
  assert.equal((await api.getPurchaseOrder(puno))?.YRE1, 'PO-1');
  assert.deepEqual((await api.listPurchaseOrderLines(puno)).map((l) => l.PNLI), ['1', '2']);
  assert.equal(await api.deletePoEntry(msgn), false, 'a finished entry cannot be deleted');

  const inbn = await api.addInvoiceHead({ SUNO: 'S1', SINO: 'INV-1', IVDT: '20260325', CUAM: '25' });
  await api.addInvoiceLines(inbn, [{ RDTP: '1', PUNO: puno, PNLI: '1', IVQA: '2', GRPR: '10', NLAM: '20' }]);
  assert.deepEqual(await api.findInvoiceBatches({ suno: 'S1', spyn: 'S1', sino: 'INV-1' }), [{ INBN: inbn, SUPA: '0' }]);
  await api.validateInvoiceBatch(inbn);
  assert.deepEqual(await api.findInvoiceBatches({ suno: 'S1', spyn: 'S1', sino: 'INV-1' }), [{ INBN: inbn, SUPA: '2' }]);
});

test('a 429 burst and 5xx on reads are survived (Retry-After honoured)', async (t) => {
  const { m3, admin, gatewayRequests } = await setup(t);
  await admin('POST', '/faults', { path: '/MLC_TST/M3', status: 429, retryAfterSeconds: 1, times: 2 });
  await admin('POST', '/faults', { path: '/MLC_TST/M3', status: 503, times: 1 });
  const records = await m3.execute('CRS620MI', 'LstByNumber', {}, { maxRecords: 1 });
  assert.equal(records.length, 1);
  assert.deepEqual((await gatewayRequests()).map((r) => r.status), [429, 429, 503, 200]);
});

test('a write is not repeated after a 5xx (M3 may have applied it); the error is retriable for the writer', async (t) => {
  const { m3, admin, gatewayRequests } = await setup(t);
  await admin('POST', '/faults', { path: '/MLC_TST/M3', status: 502, times: 1 });
  await assert.rejects(m3.execute('CRS620MI', 'AddSupplier', { SUNO: 'W1', SUNM: 'W' }), (error: MlcError) => error.code === 'MLC_HTTP_SERVER_ERROR' && error.retriable);
  assert.equal((await gatewayRequests()).length, 1);
});

test('100 requests/minute: never exceeded over 110 calls, and tokens expiring mid-run fail no call', async (t) => {
  // Tokens live 20 s here (refreshed 10 s early: the margin is capped at half the lifetime), and
  // half-way every token is expired server-side as well: no call may fail either way.
  const { m3, admin, gatewayRequests } = await setup(t, { requestsPerMinute: 100, tokenTtlSeconds: 20 }, { requestsPerMinute: 100 });
  const calls = 110;
  let done = 0;
  const results = await Promise.allSettled(
    Array.from({ length: calls }, async () => {
      const records = await m3.execute('CRS620MI', 'GetBasicData', { SUNO: 'SUP00001' });
      done += 1;
      if (done === calls / 2) await admin('POST', '/tokens/expire');
      return records;
    }),
  );
  assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
  const logged = await gatewayRequests();
  assert.equal(logged.filter((r) => r.status === 429).length, 0);
  assert.ok(maxInWindow(logged.map((r) => Date.parse(r.at)), 60_000) <= 100);
});
