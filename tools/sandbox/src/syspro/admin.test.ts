import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTH, ODATA, build } from './test-support.js';
import { buildSysproSimulator } from './simulator.js';

test('PATCH a supplier bumps its TimeStamp; a TimeStamp poll returns exactly the changed rows', async (t) => {
  const { app, state } = build(t);
  const mark = state.lastTimestamp();
  const res = await app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/S000007', payload: { TermsCode: '60', OnHold: 'Y' } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().TimeStamp, mark + 1);
  const line = await app.inject({ method: 'PATCH', url: '/_sandbox/purchase-orders/000000000000002/lines/1', payload: { MReceivedQty: 3 } });
  assert.equal(line.json().TimeStamp, mark + 2);

  const suppliers = (await app.inject({ url: `${ODATA}/ApSupplier?$filter=TimeStamp gt ${mark}`, headers: AUTH })).json().value;
  assert.deepEqual(suppliers.map((r: { Supplier: string; TermsCode: string }) => [r.Supplier, r.TermsCode]), [['S000007', '60']]);
  const lines = (await app.inject({ url: `${ODATA}/PorMasterDetail?$filter=TimeStamp ge ${mark + 2}`, headers: AUTH })).json().value;
  assert.deepEqual(lines.map((r: { PurchaseOrder: string; Line: number; MReceivedQty: number }) => [r.PurchaseOrder, r.Line, r.MReceivedQty]), [['000000000000002', 1, 3]]);
  // The header is a different row: SQL rowversion semantics, a line change does not touch it.
  assert.equal((await app.inject({ url: `${ODATA}/PorMasterHdr?$filter=TimeStamp gt ${mark}`, headers: AUTH })).json().value.length, 0);
});

test('admin writes are validated against the SYSPRO columns', async (t) => {
  const { app } = build(t);
  const cases: Array<[string, string, unknown, number, string]> = [
    ['PATCH', '/_sandbox/suppliers/S000001', { PaymentTerms: '30' }, 400, 'invalid'],
    ['PATCH', '/_sandbox/suppliers/S000001', { Supplier: 'S9' }, 400, 'invalid'],
    ['PATCH', '/_sandbox/suppliers/S000001', { TimeStamp: 1 }, 400, 'invalid'],
    ['PATCH', '/_sandbox/suppliers/S000001', { SupplierName: 'x'.repeat(51) }, 400, 'invalid'],
    ['PATCH', '/_sandbox/purchase-order-lines/000000000000001/1', { MOrderQty: 'ten' }, 400, 'invalid'],
    ['PATCH', '/_sandbox/suppliers/NOPE', { TermsCode: '30' }, 404, 'not-found'],
    ['POST', '/_sandbox/suppliers', { Supplier: 'S000001' }, 409, 'exists'],
    ['POST', '/_sandbox/suppliers', { SupplierName: 'no key' }, 400, 'invalid'],
  ];
  for (const [method, url, payload, status, code] of cases) {
    const res = await app.inject({ method: method as 'PATCH' | 'POST', url, payload: payload as object });
    assert.equal(res.statusCode, status, `${method} ${url}`);
    assert.equal(res.json().error.code, code, `${method} ${url}`);
  }
});

test('created rows appear in OData and state inspection, in key order', async (t) => {
  const { app } = build(t, { sizes: { suppliers: 3 } });
  const created = await app.inject({ method: 'POST', url: '/_sandbox/suppliers', payload: { Supplier: 'A100', SupplierName: 'First Co', TermsCode: '30' } });
  assert.equal(created.statusCode, 201);
  const po = await app.inject({ method: 'POST', url: '/_sandbox/purchase-orders', payload: { PurchaseOrder: 'P900', Supplier: 'A100', OrderStatus: '1', OrderEntryDate: '2025-02-01T09:00:00+02:00' } });
  assert.equal(po.json().OrderEntryDate, '2025-02-01T07:00:00.000Z');
  await app.inject({ method: 'POST', url: '/_sandbox/purchase-order-lines', payload: { PurchaseOrder: 'P900', Line: 1, MStockCode: 'X1', MOrderQty: 2 } });
  const keys = (await app.inject({ url: `${ODATA}/ApSupplier?$select=Supplier`, headers: AUTH })).json().value.map((r: { Supplier: string }) => r.Supplier);
  assert.deepEqual(keys, ['A100', 'S000001', 'S000002', 'S000003']);
  const order = (await app.inject({ url: '/_sandbox/state/purchase-orders/P900' })).json();
  assert.deepEqual(order.lines.map((l: { MStockCode: string }) => l.MStockCode), ['X1']);
  const state = (await app.inject({ url: '/_sandbox/state' })).json();
  assert.equal(state.tables.ApSupplier, 4);
});

test('the same seed gives the same sandbox; another seed another', () => {
  const rows = (seed: number) => [...buildSysproSimulator({ seed }).state.table('PorMasterDetail').scan()].slice(0, 50);
  assert.deepEqual(rows(5), rows(5));
  assert.notDeepEqual(rows(5), rows(6));
});

test('faults from the shared module apply to SYSPRO routes', async (t) => {
  const { app } = build(t);
  await app.inject({ method: 'POST', url: '/_sandbox/faults', payload: { path: '/SYSPRO8Odata', status: 429, retryAfterSeconds: 3, times: 1 } });
  const limited = await app.inject({ url: `${ODATA}/ApSupplier`, headers: AUTH });
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.headers['retry-after'], '3');
  assert.equal((await app.inject({ url: `${ODATA}/ApSupplier`, headers: AUTH })).statusCode, 200);
  const log = (await app.inject({ url: '/_sandbox/requests?path=/SYSPRO8Odata' })).json();
  assert.deepEqual(log.map((r: { status: number }) => r.status), [429, 200]);
});

test('100k suppliers and ~1M PO lines: served page by page, changes found without a full scan', async (t) => {
  const { app, state } = build(t, { sizes: { suppliers: 100_000, purchaseOrders: 200_000, maxLinesPerOrder: 9 } });
  const lines = state.table('PorMasterDetail').size();
  assert.ok(lines > 900_000, `lines: ${lines}`);
  const last = (await app.inject({ url: `${ODATA}/PorMasterDetail?$skip=${lines - 2}&$count=true`, headers: AUTH })).json();
  assert.equal(last.value.length, 2);
  assert.equal(last['@odata.count'], lines);
  assert.equal(last.value[1].PurchaseOrder, '000000000200000');
  const mark = state.lastTimestamp();
  await app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/S099999', payload: { Telephone: '+27 11 000 0000' } });
  const changed = (await app.inject({ url: `${ODATA}/ApSupplier?$filter=TimeStamp gt ${mark}`, headers: AUTH })).json().value;
  assert.deepEqual(changed.map((r: { Supplier: string }) => r.Supplier), ['S099999']);
});

test('a deferred write takes its TimeStamp when written and is read only after its commit (a late-committing transaction)', async (t) => {
  const { app, state } = build(t);
  const mark = state.lastTimestamp();
  const held = await app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/S000003?commit=deferred', payload: { TermsCode: '45' } });
  assert.equal(held.statusCode, 202);
  assert.equal(held.json().TimeStamp, mark + 1);
  const later = await app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/S000004', payload: { TermsCode: '60' } });
  assert.equal(later.json().TimeStamp, mark + 2);
  const read = async () => (await app.inject({ url: `${ODATA}/ApSupplier?$filter=TimeStamp gt ${mark}&$orderby=TimeStamp`, headers: AUTH })).json().value.map((r: { Supplier: string; TimeStamp: number }) => [r.Supplier, r.TimeStamp]);
  assert.deepEqual(await read(), [['S000004', mark + 2]]);
  const committed = await app.inject({ method: 'POST', url: `/_sandbox/transactions/${held.json().transaction}/commit` });
  assert.equal(committed.statusCode, 200);
  assert.equal(committed.json().TermsCode, '45');
  // Visible now, with the lower TimeStamp it was written with.
  assert.deepEqual(await read(), [
    ['S000003', mark + 1],
    ['S000004', mark + 2],
  ]);
  assert.equal((await app.inject({ method: 'POST', url: `/_sandbox/transactions/${held.json().transaction}/commit` })).statusCode, 404);
  // A deferred write that cannot apply is refused at once.
  assert.equal((await app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/NOPE?commit=deferred', payload: { TermsCode: '45' } })).statusCode, 404);
  const inserted = await app.inject({ method: 'POST', url: '/_sandbox/suppliers?commit=deferred', payload: { Supplier: 'LATE1', SupplierName: 'Late Ltd' } });
  assert.equal(inserted.statusCode, 202);
  assert.equal((await app.inject({ url: '/_sandbox/state/suppliers/LATE1' })).statusCode, 404);
  assert.equal((await app.inject({ method: 'POST', url: `/_sandbox/transactions/${inserted.json().transaction}/commit` })).statusCode, 200);
  assert.equal((await app.inject({ url: '/_sandbox/state/suppliers/LATE1' })).json().TimeStamp, mark + 3);
});

test('DateLastChanged is the server wall clock in its zone, zone-less, unless the write sets it; $filter compares it as that wall clock', async (t) => {
  // 2026-10-25 00:30Z and 01:30Z are both 01:30 in London (the repeated hour).
  let now = Date.parse('2026-10-25T00:30:00Z');
  const { app } = build(t, { serverTimeZone: 'Europe/London', now: () => now });
  const first = await app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/S000001', payload: { TermsCode: '30' } });
  assert.equal(first.json().DateLastChanged, '2026-10-25T01:30:00.000');
  now = Date.parse('2026-10-25T01:10:00Z');
  const second = await app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/S000002', payload: { TermsCode: '30' } });
  assert.equal(second.json().DateLastChanged, '2026-10-25T01:10:00.000');
  const typo = await app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/S000003', payload: { TermsCode: '30', DateLastChanged: '2099-01-01T00:00:00' } });
  assert.equal(typo.json().DateLastChanged, '2099-01-01T00:00:00.000');
  const bad = await app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/S000003', payload: { DateLastChanged: '2099-01-01T00:00:00Z' } });
  assert.equal(bad.statusCode, 400);
  const rows = (await app.inject({ url: `${ODATA}/ApSupplier?$filter=DateLastChanged ge 2026-10-25T01:00:00Z&$orderby=DateLastChanged,Supplier`, headers: AUTH })).json().value;
  assert.deepEqual(
    rows.map((r: { Supplier: string; DateLastChanged: string }) => [r.Supplier, r.DateLastChanged]),
    [
      ['S000002', '2026-10-25T01:10:00.000'],
      ['S000001', '2026-10-25T01:30:00.000'],
      ['S000003', '2099-01-01T00:00:00.000'],
    ],
  );
  const zone = await app.inject({ method: 'PATCH', url: '/_sandbox/settings', payload: { serverTimeZone: 'America/Chicago' } });
  assert.equal(zone.json().serverTimeZone, 'America/Chicago');
  assert.equal((await app.inject({ method: 'PATCH', url: '/_sandbox/settings', payload: { serverTimeZone: 'Nowhere/Else' } })).statusCode, 400);
  assert.equal((await app.inject({ method: 'PATCH', url: '/_sandbox/suppliers/S000004', payload: { TermsCode: '30' } })).json().DateLastChanged, '2026-10-24T20:10:00.000');
});

test('DELETE a supplier or a PO line: OData no longer returns it, no TimeStamp moves, and it can be entered again', async (t) => {
  const { app, state } = build(t);
  const mark = state.lastTimestamp();
  assert.equal((await app.inject({ method: 'DELETE', url: '/_sandbox/suppliers/S000003' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'DELETE', url: '/_sandbox/purchase-orders/000000000000001/lines/1' })).statusCode, 200);
  assert.equal(state.lastTimestamp(), mark, 'a deletion leaves no rowversion for a poller to see');
  const suppliers = (await app.inject({ url: `${ODATA}/ApSupplier?$select=Supplier&$top=10`, headers: AUTH })).json().value as { Supplier: string }[];
  assert.ok(!suppliers.some((s) => s.Supplier === 'S000003'));
  assert.equal((await app.inject({ url: '/_sandbox/state/suppliers/S000003' })).statusCode, 404);
  const lines = (await app.inject({ url: `${ODATA}/PorMasterDetail?$filter=PurchaseOrder eq '000000000000001'`, headers: AUTH })).json().value as { Line: number }[];
  assert.ok(!lines.some((l) => l.Line === 1));
  assert.equal((await app.inject({ method: 'DELETE', url: '/_sandbox/suppliers/S000003' })).statusCode, 404, 'already gone');
  assert.equal((await app.inject({ method: 'POST', url: '/_sandbox/suppliers', payload: { Supplier: 'S000003', SupplierName: 'Back again' } })).statusCode, 201);
});
