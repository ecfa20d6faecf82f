import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoupaMapping, type CoupaApi } from '@mlc/coupa';
import { MlcError } from '@mlc/errors';
import { buildEvent, type DataOf, type EntityType } from '@mlc/events';
import type { TargetRecord, TargetRecordStore } from '@mlc/writer';
import { createCoupaHandler, removedLines } from './coupa-handler.js';

type Row = { id: number } & Record<string, unknown>;

/** An in-memory Coupa behind the CoupaApi port, counting writes. */
function fakeCoupa() {
  let nextId = 100;
  const tables = { suppliers: [] as Row[], lookups: [] as Row[], lookupValues: [] as Row[], accounts: [] as Row[], pos: [] as Row[], invoices: [] as Row[] };
  const writes: string[] = [];
  const finds: string[] = [];
  const insert = (table: Row[], body: object, kind: string) => {
    const row = { ...body, id: nextId++ };
    table.push(row);
    writes.push(`create ${kind}`);
    return row;
  };
  const replace = (table: Row[], id: number, body: object, kind: string) => {
    const index = table.findIndex((r) => r.id === id);
    if (index === -1) throw new MlcError('MLC_HTTP_CLIENT_ERROR', 'not found', { context: { status: 404 } });
    table[index] = { ...body, id };
    writes.push(`update ${kind} ${id}`);
    return table[index]!;
  };
  const api: CoupaApi = {
    findSupplierByNumber: async (number) => {
      finds.push(`supplier ${number}`);
      return tables.suppliers.find((s) => s.number === number) as never;
    },
    findSuppliersByNumbers: async (numbers) => {
      finds.push(`suppliers ${numbers.join(',')}`);
      return new Map(tables.suppliers.filter((s) => numbers.includes(s.number as string)).map((s) => [s.number as string, s as never]));
    },
    createSupplier: async (body) => insert(tables.suppliers, body, 'supplier') as never,
    updateSupplier: async (id, body) => replace(tables.suppliers, id, body, 'supplier') as never,
    findLookupByName: async (name) => tables.lookups.find((l) => l.name === name) as never,
    createLookup: async (name) => insert(tables.lookups, { name }, 'lookup') as never,
    findLookupValue: async (lookup, ref) =>
      tables.lookupValues.find((v) => (v.lookup as { name: string }).name === lookup && v['external-ref-num'] === ref) as never,
    createLookupValue: async (body) => insert(tables.lookupValues, body, 'lookup value') as never,
    updateLookupValue: async (id, body) => replace(tables.lookupValues, id, body, 'lookup value') as never,
    findAccount: async (code, chart) => tables.accounts.find((a) => a.code === code && (a['account-type'] as { name: string }).name === chart) as never,
    createAccount: async (body) => insert(tables.accounts, body, 'account') as never,
    findPurchaseOrderByNumber: async (n) => tables.pos.find((p) => p['po-number'] === n) as never,
    createPurchaseOrder: async (body) => insert(tables.pos, body, 'po') as never,
    updatePurchaseOrder: async (id, body) => replace(tables.pos, id, body, 'po') as never,
    deleteOrderLine: async (lineId, { poNumber, lineNumber }) => {
      writes.push(`delete line ${lineId} (${poNumber}/${lineNumber})`);
    },
    findInvoice: async (n, s) => tables.invoices.find((i) => i['invoice-number'] === n && (i.supplier as { number: string }).number === s) as never,
    createInvoice: async (body) => insert(tables.invoices, body, 'invoice') as never,
    updateInvoice: async (id, body) => replace(tables.invoices, id, body, 'invoice') as never,
  };
  return { api, tables, writes, finds };
}

function memoryRecords(): TargetRecordStore {
  const rows = new Map<string, TargetRecord>();
  const key = (r: { connection: string; targetSystem: string; entityType: string; naturalKey: string }) => `${r.connection}|${r.targetSystem}|${r.entityType}|${r.naturalKey}`;
  return {
    get: async (ref) => rows.get(key(ref)),
    remember: async (ref, w) => {
      rows.set(key(ref), { targetId: w.targetId, contentHash: w.contentHash, sourceTime: new Date(w.sourceTime), eventId: w.eventId, writtenAt: new Date() });
    },
  };
}

function event<E extends EntityType>(entity: E, key: string, data: DataOf<E>, occurredAt = '2026-11-20T10:00:00Z') {
  return buildEvent({ source: 'syspro', connection: 'acme', entity, key, data, occurredAt, observedAt: occurredAt, correlationId: 'c1' });
}

const supplier = (terms = '30') => event('supplier', 'ACME01', { number: 'ACME01', name: 'Acme', status: 'active', paymentTerms: terms });
const po = event('purchase-order', 'PO-1', {
  number: 'PO-1',
  supplierNumber: 'ACME01',
  status: 'open',
  orderDate: '2026-11-20',
  currency: 'USD',
  lines: [{ lineNumber: 1, description: 'Bolts', quantity: '10', unitPrice: '1.50', glAccount: '6000', costCentre: 'CC1' }],
});

function setup() {
  const coupa = fakeCoupa();
  const handle = createCoupaHandler({ coupa: coupa.api, records: memoryRecords(), mapping: CoupaMapping.parse({}) });
  return { ...coupa, handle };
}

test('a supplier is created once; the same event again changes nothing', async () => {
  const { handle, tables, writes } = setup();
  const first = await handle(supplier());
  assert.equal(first.status, 'created');
  const again = await handle(supplier());
  assert.equal(again.status, 'unchanged');
  assert.equal(again.target.id, first.target.id);
  assert.equal(tables.suppliers.length, 1);
  assert.deepEqual(writes, ['create supplier']);
});

test('a changed supplier updates the record we created', async () => {
  const { handle, tables } = setup();
  const created = await handle(supplier('30'));
  const changed = await handle(event('supplier', 'ACME01', { number: 'ACME01', name: 'Acme', status: 'active', paymentTerms: '60' }, '2026-11-21T00:00:00Z'));
  assert.equal(changed.status, 'updated');
  assert.equal(changed.target.id, created.target.id);
  assert.deepEqual(tables.suppliers[0]!['payment-term'], { code: '60' });
});

test('a supplier already in Coupa (no record of ours) is found by number and updated, not duplicated', async () => {
  const { handle, api, tables } = setup();
  await api.createSupplier({ name: 'Acme (manual)', 'display-name': 'Acme', number: 'ACME01', status: 'active', 'on-hold': false, 'po-method': 'prompt' });
  const result = await handle(supplier());
  assert.equal(result.status, 'updated');
  assert.equal(tables.suppliers.length, 1);
});

test('suppliers handled at the same moment are looked for in one call; one alone by its number', async () => {
  const { handle, api, tables, finds } = setup();
  await api.createSupplier({ name: 'Beta (manual)', 'display-name': 'Beta', number: 'BETA01', status: 'active', 'on-hold': false, 'po-method': 'prompt' });
  const numbers = ['ACME01', 'BETA01', 'GAMMA01'];
  const results = await Promise.all(numbers.map((n) => handle(event('supplier', n, { number: n, name: n, status: 'active', paymentTerms: '30' }))));
  assert.deepEqual(results.map((r) => r.status), ['created', 'updated', 'created']);
  assert.deepEqual(finds, ['suppliers ACME01,BETA01,GAMMA01']);
  assert.equal(tables.suppliers.length, 3, 'the one found is updated, not duplicated');

  finds.splice(0);
  await handle(event('supplier', 'DELTA01', { number: 'DELTA01', name: 'Delta', status: 'active', paymentTerms: '30' }));
  // A number with a comma cannot be listed by Coupa's `in` operator: asked for alone, even beside others.
  await Promise.all(['EPS,1', 'ZETA01'].map((n) => handle(event('supplier', n, { number: n, name: n, status: 'active', paymentTerms: '30' }))));
  assert.deepEqual(finds.sort(), ['supplier DELTA01', 'supplier EPS,1', 'supplier ZETA01']);
});

test('a record deleted in Coupa since we wrote it is created again', async () => {
  const { handle, tables } = setup();
  await handle(supplier('30'));
  tables.suppliers.splice(0);
  const result = await handle(event('supplier', 'ACME01', { number: 'ACME01', name: 'Acme', status: 'active', paymentTerms: '45' }, '2026-11-22T00:00:00Z'));
  assert.equal(result.status, 'created');
  assert.equal(tables.suppliers.length, 1);
});

test('an older snapshot replayed after a newer one is skipped', async () => {
  const { handle, tables } = setup();
  await handle(event('supplier', 'ACME01', { number: 'ACME01', name: 'Acme', status: 'active', paymentTerms: '60' }, '2026-11-21T00:00:00Z'));
  const stale = await handle(supplier('30'));
  assert.equal(stale.status, 'skipped');
  assert.deepEqual(tables.suppliers[0]!['payment-term'], { code: '60' });
});

test('a PO whose supplier or account values are missing fails with a retriable dependency error', async () => {
  const { handle, tables } = setup();
  await assert.rejects(handle(po), (e: MlcError) => e.code === 'MLC_DEPENDENCY_MISSING' && e.retriable && e.context.supplierNumber === 'ACME01');
  await handle(supplier());
  await assert.rejects(handle(po), (e: MlcError) => e.code === 'MLC_DEPENDENCY_MISSING' && e.context.lookup === 'GL Accounts' && e.context.code === '6000');
  await handle(event('gl-account', '6000', { code: '6000', description: 'Fasteners', active: true }));
  await handle(event('cost-centre', 'CC1', { code: 'CC1', description: 'Plant 1', active: true }));
  const result = await handle(po);
  assert.equal(result.status, 'created');
  assert.equal(tables.pos.length, 1);
  assert.deepEqual(tables.accounts.map((a) => a.code), ['6000-CC1'], 'the line account was created from its segments');
  assert.equal((await handle(po)).status, 'unchanged');
});

test('an unmappable event fails permanently, naming the event', async () => {
  const { handle } = setup();
  const noLines = event('purchase-order', 'PO-2', { number: 'PO-2', supplierNumber: 'ACME01', status: 'open', orderDate: '2026-11-20', currency: 'USD', lines: [] });
  await assert.rejects(handle(noLines), (e: MlcError) => e.code === 'MLC_MAPPING_FAILED' && !e.retriable && e.context.eventId === noLines.id);
});

test('the configured lookups are created with the first lookup value, once', async () => {
  const coupa = fakeCoupa();
  const handle = createCoupaHandler({ coupa: coupa.api, records: memoryRecords(), mapping: CoupaMapping.parse({ lookups: { glAccount: 'GL', costCentre: 'CC' } }) });
  await handle(event('gl-account', '6000', { code: '6000', description: 'Fasteners', active: true }));
  await handle(event('cost-centre', 'CC1', { code: 'CC1', description: 'Plant 1', active: true }));
  assert.deepEqual(coupa.tables.lookups.map((l) => l.name).sort(), ['CC', 'GL']);
  assert.equal(coupa.writes.filter((w) => w === 'create lookup').length, 2);
});

test('a forced replay writes the same supplier again in place (updated); unforced or an older other snapshot, nothing', async () => {
  const { handle, tables, writes } = setup();
  const created = await handle(supplier('30'));
  assert.equal((await handle(supplier('30'), { replay: { force: false } })).status, 'unchanged');
  assert.deepEqual(await handle(supplier('30'), { replay: { force: true } }), { status: 'updated', target: created.target });
  assert.equal(tables.suppliers.length, 1);
  await handle(event('supplier', 'ACME01', { number: 'ACME01', name: 'Acme', status: 'active', paymentTerms: '60' }, '2026-11-21T00:00:00Z'));
  assert.equal((await handle(supplier('30'), { replay: { force: true } })).status, 'skipped');
  assert.deepEqual(writes, ['create supplier', `update supplier ${created.target.id}`, `update supplier ${created.target.id}`]);
});

test('a forced replay reaches every entity: lookup values and POs are updated in place, not created again', async () => {
  const { handle, writes } = setup();
  await handle(supplier());
  const gl = event('gl-account', '6000', { code: '6000', description: 'Fasteners', active: true });
  await handle(gl);
  await handle(event('cost-centre', 'CC1', { code: 'CC1', description: 'Plant 1', active: true }));
  const written = await handle(po);
  assert.equal((await handle(gl, { replay: { force: true } })).status, 'updated');
  assert.deepEqual(await handle(po, { replay: { force: true } }), { status: 'updated', target: written.target });
  assert.equal(writes.filter((w) => w === 'create po').length, 1);
  assert.equal(writes.at(-1), `update po ${written.target.id}`);
});

test('removedLines: the Coupa lines whose line number the written snapshot no longer has', () => {
  const current = [
    { id: 7, 'line-num': '1' },
    { id: 8, 'line-num': '2' },
    { id: 9, 'line-num': '3' },
  ];
  assert.deepEqual(removedLines(current, [{ 'line-num': 1 }, { 'line-num': 3 }]), [{ id: 8, 'line-num': '2' }]);
  assert.deepEqual(removedLines(current, [{ 'line-num': 1 }, { 'line-num': 2 }, { 'line-num': 3 }, { 'line-num': 4 }]), []);
});

test('a purchase order line removed from the snapshot is deleted in Coupa after the update', async () => {
  const { handle, tables, writes } = setup();
  await handle(supplier());
  await handle(event('gl-account', '6000', { code: '6000', description: 'Fasteners', active: true }));
  await handle(event('cost-centre', 'CC1', { code: 'CC1', description: 'Plant 1', active: true }));
  const two = event('purchase-order', 'PO-1', { ...po.data, lines: [...po.data.lines, { ...po.data.lines[0]!, lineNumber: 2, description: 'Nuts' }] });
  await handle(two);
  const row = tables.pos.find((p) => p['po-number'] === 'PO-1')!;
  row['order-lines'] = (row['order-lines'] as Array<Record<string, unknown>>).map((l, i) => ({ ...l, id: 500 + i, 'line-num': String(l['line-num']) }));
  await handle(event('purchase-order', 'PO-1', po.data, '2026-11-21T10:00:00Z'));
  assert.ok(writes.includes('delete line 501 (PO-1/2)'), writes.join(', '));
  assert.ok(!writes.some((w) => w.startsWith('delete line 500')), 'line 1 kept');
});
