import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { MlcError } from '@mlc/errors';
import { buildEvent, type DataOf, type EntityType, type InvoiceData, type PurchaseOrderData } from '@mlc/events';
import { InforMapping, type InforApi, type MiRecord } from '@mlc/infor';
import { createLogger, type Logger } from '@mlc/log';
import type { TargetRecord, TargetRecordStore } from '@mlc/writer';
import { createInforHandler } from './infor-handler.js';

/** An in-memory M3 behind the InforApi port, with a way to fail the next call of a method. */
function fakeM3() {
  const suppliers = new Map<string, MiRecord>();
  const entries = new Map<string, { status: 'open' | 'finished' | 'deleted'; puno?: string; head?: MiRecord; lines: MiRecord[] }>();
  const orders = new Map<string, { head: MiRecord; lines: MiRecord[] }>();
  const batches = new Map<string, { head: MiRecord; lines: MiRecord[] }>();
  const calls: string[] = [];
  const failNext = new Map<string, MlcError>();
  let series = 0;
  const fail = (method: string) => {
    calls.push(method);
    const error = failNext.get(method);
    if (error) {
      failNext.delete(method);
      throw error;
    }
  };
  const api: InforApi = {
    async getSupplier(suno) { fail('getSupplier'); return suppliers.get(suno); },
    async addSupplier(r) { fail('addSupplier'); suppliers.set(r.SUNO, { ...r }); },
    async updateSupplier(r) { fail('updateSupplier'); suppliers.set(r.SUNO, { ...suppliers.get(r.SUNO), ...r }); },
    async startPoEntry() { fail('startPoEntry'); const msgn = `M${++series}`; entries.set(msgn, { status: 'open', lines: [] }); return msgn; },
    async addPoHead(msgn, head) { fail('addPoHead'); const puno = `P${++series}`; Object.assign(entries.get(msgn)!, { puno, head: { ...head, PUNO: puno } }); return puno; },
    async addPoEntryLines(msgn, _puno, lines) { fail('addPoEntryLines'); entries.get(msgn)!.lines.push(...lines.map((l) => ({ ...l }))); },
    async finishPoEntry(msgn) { fail('finishPoEntry'); const e = entries.get(msgn)!; e.status = 'finished'; orders.set(e.puno!, { head: e.head!, lines: e.lines }); },
    async deletePoEntry(msgn) { fail('deletePoEntry'); const e = entries.get(msgn); if (e?.status !== 'open') return false; e.status = 'deleted'; return true; },
    async getPurchaseOrder(puno) { fail('getPurchaseOrder'); return orders.get(puno)?.head; },
    async listPurchaseOrderLines(puno) { fail('listPurchaseOrderLines'); return orders.get(puno)?.lines ?? []; },
    async addPurchaseOrderLines(puno, lines) { fail('addPurchaseOrderLines'); orders.get(puno)!.lines.push(...lines.map((l) => ({ ...l }))); },
    async updatePurchaseOrderLines(puno, lines) {
      fail('updatePurchaseOrderLines');
      for (const update of lines) Object.assign(orders.get(puno)!.lines.find((l) => Number(l.PNLI) === Number(update.PNLI))!, update);
    },
    async findInvoiceBatches({ suno, sino }) { fail('findInvoiceBatches'); return [...batches.entries()].filter(([, b]) => b.head.SUNO === suno && b.head.SINO === sino).map(([INBN, b]) => ({ INBN, SUPA: b.head.SUPA! })); },
    async addInvoiceHead(head) { fail('addInvoiceHead'); const inbn = `I${++series}`; batches.set(inbn, { head: { ...head, SUPA: '0' }, lines: [] }); return inbn; },
    async addInvoiceLines(inbn, lines) { fail('addInvoiceLines'); batches.get(inbn)!.lines.push(...lines.map((l) => ({ ...l }))); },
    async listInvoiceLines(inbn) { fail('listInvoiceLines'); return batches.get(inbn)!.lines; },
    async validateInvoiceBatch(inbn) { fail('validateInvoiceBatch'); batches.get(inbn)!.head.SUPA = '2'; },
  };
  return { api, suppliers, entries, orders, batches, calls, failNext };
}

function memoryRecords(): TargetRecordStore & { failNextRemember?: MlcError } {
  const rows = new Map<string, TargetRecord>();
  const store: TargetRecordStore & { failNextRemember?: MlcError } = {
    async get(ref) { return rows.get(JSON.stringify(ref)); },
    async remember(ref, w) {
      if (store.failNextRemember) { const e = store.failNextRemember; delete store.failNextRemember; throw e; }
      const key = JSON.stringify(ref);
      const prev = rows.get(key);
      rows.set(key, { targetId: w.targetId ?? prev?.targetId ?? null, contentHash: w.contentHash, sourceTime: new Date(w.sourceTime), eventId: w.eventId, writtenAt: new Date() });
    },
  };
  return store;
}

const transient = () => new MlcError('MLC_HTTP_TIMEOUT', 'timed out');
const mapping = InforMapping.parse({ purchaseOrder: { defaultItem: 'SERVICE' } });
let seq = 0;
function event<E extends EntityType>(entity: E, key: string, data: DataOf<E>, occurredAt = '2026-03-02T10:00:00Z') {
  return buildEvent({ source: 'coupa', connection: 'acme', entity, key, data, occurredAt, observedAt: occurredAt, correlationId: `c${++seq}` });
}
const supplierEvent = (name = 'Acme') => event('supplier', 'ACME01', { number: 'ACME01', name, status: 'active' });
const PO: PurchaseOrderData = {
  number: 'PO-1',
  supplierNumber: 'ACME01',
  status: 'approved',
  orderDate: '2026-03-02',
  currency: 'USD',
  lines: [
    { lineNumber: 1, description: 'Bolts', quantity: '10', unitPrice: '1.50' },
    { lineNumber: 2, description: 'Nuts', quantity: '5', unitPrice: '0.50' },
  ],
};
const INVOICE: InvoiceData = {
  number: 'INV-1',
  supplierNumber: 'ACME01',
  invoiceDate: '2026-03-20',
  currency: 'USD',
  status: 'approved',
  poNumber: 'PO-1',
  total: '17.50',
  lines: [
    { lineNumber: 1, description: 'Bolts', quantity: '10', unitPrice: '1.50', amount: '15.00', poLineNumber: 1 },
    { lineNumber: 2, description: 'Nuts', quantity: '5', unitPrice: '0.50', amount: '2.50', poLineNumber: 2 },
  ],
};

function setup(logger?: Logger) {
  const m3 = fakeM3();
  const records = memoryRecords();
  const handle = createInforHandler({ infor: m3.api, records, mapping, logger });
  return { m3, records, handle };
}

function capturedLogger() {
  const records: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ name: 'infor-handler-test', destination }), records };
}

/** PO-1 with line 1 changed as given, as a later Coupa version. */
const changedLine1 = (line: Partial<PurchaseOrderData['lines'][number]>, occurredAt = '2026-03-04T10:00:00Z') =>
  event('purchase-order', 'PO-1', { ...PO, lines: [{ ...PO.lines[0]!, ...line }, PO.lines[1]!] }, occurredAt);
const writes = (calls: readonly string[]) => calls.filter((c) => c === 'addPurchaseOrderLines' || c === 'updatePurchaseOrderLines');

const code = (expected: string) => (error: MlcError) => error.code === expected;

test('supplier: created, a replay is unchanged, a change updates', async () => {
  const { m3, handle } = setup();
  assert.deepEqual(await handle(supplierEvent()), { status: 'created', target: { system: 'infor', id: 'ACME01' } });
  assert.equal((await handle(supplierEvent())).status, 'unchanged');
  assert.equal((await handle(event('supplier', 'ACME01', { number: 'ACME01', name: 'Acme 2', status: 'active' }, '2026-03-03T10:00:00Z'))).status, 'updated');
  assert.equal(m3.suppliers.get('ACME01')?.SUNM, 'Acme 2');
  assert.equal(m3.calls.filter((c) => c === 'addSupplier').length, 1);
});

test('supplier: a crash between AddSupplier and the commit updates on redelivery, never adds twice', async () => {
  const { m3, records, handle } = setup();
  records.failNextRemember = new MlcError('MLC_DB_UNAVAILABLE', 'db down');
  await assert.rejects(handle(supplierEvent()), code('MLC_DB_UNAVAILABLE'));
  assert.equal((await handle(supplierEvent())).status, 'updated');
  assert.equal(m3.calls.filter((c) => c === 'addSupplier').length, 1);
});

test('PO: only approved/issued go to M3; before its supplier it waits (MLC_DEPENDENCY_MISSING)', async () => {
  const { m3, handle } = setup();
  assert.equal((await handle(event('purchase-order', 'PO-1', { ...PO, status: 'draft' }))).status, 'skipped');
  await assert.rejects(handle(event('purchase-order', 'PO-1', PO)), (e: MlcError) => e.code === 'MLC_DEPENDENCY_MISSING' && e.retriable);
  assert.equal(m3.calls.includes('startPoEntry'), false);
});

test('PO: created through one entry with its lines; a replay creates nothing', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  const result = await handle(event('purchase-order', 'PO-1', PO));
  assert.equal(result.status, 'created');
  const puno = result.target!.id!;
  assert.deepEqual(m3.orders.get(puno)!.lines.map((l) => [l.PNLI, l.ITNO, l.ORQA]), [['1', 'SERVICE', '10'], ['2', 'SERVICE', '5']]);
  assert.equal(m3.orders.get(puno)!.head.YRE1, 'PO-1');
  assert.equal((await handle(event('purchase-order', 'PO-1', PO))).status, 'unchanged');
  assert.equal(m3.orders.size, 1);
});

test('PO: a crash after FinishEntry, before the commit, finds the order again instead of creating a second', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  m3.failNext.set('finishPoEntry', transient());
  await assert.rejects(handle(event('purchase-order', 'PO-1', PO)), code('MLC_HTTP_TIMEOUT'));
  // Simulate "M3 applied it, we did not see the answer": finish the entry behind our back.
  const [msgn] = [...m3.entries.keys()];
  await m3.api.finishPoEntry(msgn!);
  const result = await handle(event('purchase-order', 'PO-1', PO));
  assert.deepEqual([result.status, m3.orders.size], ['created', 1]);
  assert.equal(m3.calls.filter((c) => c === 'startPoEntry').length, 1);
});

test('PO: a transient failure mid-entry leaves no second order: the old entry is deleted, a new one finished', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  m3.failNext.set('addPoEntryLines', transient());
  await assert.rejects(handle(event('purchase-order', 'PO-1', PO)), code('MLC_HTTP_TIMEOUT'));
  assert.equal((await handle(event('purchase-order', 'PO-1', PO))).status, 'created');
  assert.deepEqual([...m3.entries.values()].map((e) => e.status), ['deleted', 'finished']);
  assert.equal(m3.orders.size, 1);
});

test('PO: a permanent refusal deletes the half-built entry and goes to the DLQ', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  m3.failNext.set('addPoEntryLines', new MlcError('MLC_VENDOR_REJECTED', 'ITNO unknown'));
  await assert.rejects(handle(event('purchase-order', 'PO-1', PO)), code('MLC_VENDOR_REJECTED'));
  assert.deepEqual([...m3.entries.values()].map((e) => e.status), ['deleted']);
});

test('PO: new lines of a changed PO are added to the M3 order', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  const puno = (await handle(event('purchase-order', 'PO-1', PO))).target!.id!;
  const changed = { ...PO, lines: [...PO.lines, { lineNumber: 3, description: 'Washers', quantity: '1', unitPrice: '0.10' }] };
  assert.equal((await handle(event('purchase-order', 'PO-1', changed, '2026-03-04T10:00:00Z'))).status, 'updated');
  assert.deepEqual(m3.orders.get(puno)!.lines.map((l) => l.PNLI), ['1', '2', '3']);
});

test('PO: a changed quantity of an existing line is one UpdLine for that line, no AddLine; the same event again writes nothing', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  const puno = (await handle(event('purchase-order', 'PO-1', PO))).target!.id!;
  const changed = changedLine1({ quantity: '12' });
  assert.deepEqual(await handle(changed), { status: 'updated', target: { system: 'infor', id: puno } });
  assert.deepEqual(writes(m3.calls), ['updatePurchaseOrderLines']);
  assert.deepEqual(m3.orders.get(puno)!.lines.map((l) => [l.PNLI, l.ORQA]), [['1', '12'], ['2', '5']]);

  assert.equal((await handle(changed)).status, 'unchanged');
  assert.deepEqual(writes(m3.calls), ['updatePurchaseOrderLines']);
});

test('PO: a crash between UpdLine and the commit: the redelivery finds M3 already changed and writes nothing more', async () => {
  const { m3, records, handle } = setup();
  await handle(supplierEvent());
  await handle(event('purchase-order', 'PO-1', PO));
  const changed = changedLine1({ unitPrice: '1.75', dueDate: '2026-04-01' });
  records.failNextRemember = new MlcError('MLC_DB_UNAVAILABLE', 'db down');
  await assert.rejects(handle(changed), code('MLC_DB_UNAVAILABLE'));
  assert.equal((await handle(changed)).status, 'unchanged');
  assert.deepEqual(writes(m3.calls), ['updatePurchaseOrderLines']);
});

test('PO: a line gone from the Coupa PO stays in M3 and is logged at warn with the PO, the M3 order and the line', async () => {
  const log = capturedLogger();
  const { m3, handle } = setup(log.logger);
  await handle(supplierEvent());
  const puno = (await handle(event('purchase-order', 'PO-1', PO))).target!.id!;
  const withoutLine2 = event('purchase-order', 'PO-1', { ...PO, lines: [PO.lines[0]!] }, '2026-03-04T10:00:00Z');
  assert.equal((await handle(withoutLine2)).status, 'unchanged');
  assert.deepEqual(m3.orders.get(puno)!.lines.map((l) => l.PNLI), ['1', '2']);
  assert.deepEqual(writes(m3.calls), []);
  const warns = log.records.filter((r) => r.level === 'warn');
  assert.deepEqual(warns.map((r) => [r.poNumber, r.puno, r.pnli]), [['PO-1', puno, '2']]);
});

test('PO: a refused UpdLine fails the event (DLQ) naming the PO, the M3 order and the line', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  const puno = (await handle(event('purchase-order', 'PO-1', PO))).target!.id!;
  const m3Failure = { program: 'PPS200MI', transaction: 'UpdLine', errorType: 'ServerReturnedNOK', errorField: 'ORQA' };
  m3.failNext.set('updatePurchaseOrderLines', new MlcError('MLC_VENDOR_REJECTED', 'M3 PPS200MI/UpdLine failed', { context: { m3: m3Failure } }));
  await assert.rejects(handle(changedLine1({ quantity: '1' })), (error: MlcError) => {
    assert.equal(error.code, 'MLC_VENDOR_REJECTED');
    assert.equal(error.retriable, false);
    assert.deepEqual([error.context.poNumber, error.context.puno, error.context.lines, error.context.m3], ['PO-1', puno, ['1'], m3Failure]);
    return true;
  });
});

test('invoice: before its PO it waits; an unmatched line is permanent; a matched one is validated once', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  await assert.rejects(handle(event('invoice', 'ACME01/INV-1', INVOICE)), code('MLC_DEPENDENCY_MISSING'));
  const puno = (await handle(event('purchase-order', 'PO-1', PO))).target!.id!;
  const unmatched = { ...INVOICE, lines: [{ ...INVOICE.lines[0]!, poLineNumber: 9 }] };
  await assert.rejects(handle(event('invoice', 'ACME01/INV-1', unmatched)), (e: MlcError) => e.code === 'MLC_MAPPING_FAILED' && e.context.reason === 'po-line-not-in-m3');
  assert.equal(m3.batches.size, 0);

  const result = await handle(event('invoice', 'ACME01/INV-1', INVOICE));
  assert.equal(result.status, 'created');
  const batch = m3.batches.get(result.target!.id!)!;
  assert.equal(batch.head.SUPA, '2');
  assert.deepEqual(batch.lines.map((l) => [l.PUNO, l.PNLI]), [[puno, '1'], [puno, '2']]);
  assert.equal((await handle(event('invoice', 'ACME01/INV-1', INVOICE))).status, 'unchanged');
});

test('invoice: a crash between AddHead and ValidByBatchNo continues the same batch', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  await handle(event('purchase-order', 'PO-1', PO));
  m3.failNext.set('addInvoiceLines', transient());
  await assert.rejects(handle(event('invoice', 'ACME01/INV-1', INVOICE)), code('MLC_HTTP_TIMEOUT'));
  const result = await handle(event('invoice', 'ACME01/INV-1', INVOICE));
  assert.equal(result.status, 'created');
  assert.equal(m3.batches.size, 1);
  assert.equal(m3.batches.get(result.target!.id!)!.lines.length, 2);
});

test('forced replay: a supplier is written again (updated, never added twice); unforced it is unchanged', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  assert.equal((await handle(supplierEvent(), { replay: { force: false } })).status, 'unchanged');
  assert.deepEqual(await handle(supplierEvent(), { replay: { force: true } }), { status: 'updated', target: { system: 'infor', id: 'ACME01' } });
  assert.deepEqual(m3.calls.filter((c) => c === 'addSupplier' || c === 'updateSupplier'), ['addSupplier', 'updateSupplier']);
});

test('forced replay: a PO is compared with M3 again and only what differs is written; a validated invoice is never sent again', async () => {
  const { m3, handle } = setup();
  await handle(supplierEvent());
  const order = event('purchase-order', 'PO-1', PO);
  const puno = (await handle(order)).target!.id!;
  // M3 changed by hand since: the forced replay puts the Coupa quantity back, on the same order.
  m3.orders.get(puno)!.lines[0]!.ORQA = '99';
  assert.equal((await handle(order)).status, 'unchanged');
  assert.deepEqual(await handle(order, { replay: { force: true } }), { status: 'updated', target: { system: 'infor', id: puno } });
  assert.deepEqual(m3.orders.get(puno)!.lines.map((l) => [l.PNLI, l.ORQA]), [['1', '10'], ['2', '5']]);
  assert.equal((await handle(order, { replay: { force: true } })).status, 'unchanged');
  assert.equal(m3.orders.size, 1);

  const invoice = event('invoice', 'ACME01/INV-1', INVOICE);
  const inbn = (await handle(invoice)).target!.id!;
  assert.deepEqual(await handle(invoice, { replay: { force: true } }), { status: 'skipped', target: { system: 'infor', id: inbn } });
  assert.equal(m3.batches.size, 1);
});
