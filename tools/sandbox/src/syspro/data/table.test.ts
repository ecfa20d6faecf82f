import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery, runQuery } from '../odata/query.js';
import { ApSupplier, PorMasterDetail, TIMESTAMP, type Row } from './schema.js';
import { createSysproStore } from './store.js';
import { createTable, type BaseRows } from './table.js';

/** Suppliers S1..Sn with TimeStamps 1..n, counting the rows generated. */
function countingBase(count: number): BaseRows & { generated: () => number } {
  let generated = 0;
  return {
    count,
    generate(i) {
      generated += 1;
      return { Supplier: `S${String(i + 1).padStart(6, '0')}`, SupplierName: `Supplier ${i + 1}`, TimeStamp: i + 1 };
    },
    indexOf: ([k]) => (typeof k === 'string' && /^S\d{6}$/.test(k) && Number(k.slice(1)) >= 1 && Number(k.slice(1)) <= count ? Number(k.slice(1)) - 1 : undefined),
    maxTimestamp: count,
    indexAtTimestamp: (ts) => Math.min(count, Math.max(0, Math.ceil(ts) - 1)),
    generated: () => generated,
  };
}

const stamps = (rows: Iterable<Row>): number[] => [...rows].map((r) => r[TIMESTAMP] as number);

test('byTimestamp visits unchanged base rows, then written rows, in TimeStamp order from the bound', () => {
  const base = countingBase(10);
  const table = createTable(ApSupplier, base);
  table.replace({ ...table.get(['S000003'])!, TimeStamp: 12 });
  table.insert({ Supplier: 'S000000A', SupplierName: 'added', TimeStamp: 11 });
  table.replace({ ...table.get(['S000005'])!, TimeStamp: 13 });
  // Written again: its old version (TimeStamp 12) is gone from the order.
  table.replace({ ...table.get(['S000003'])!, TimeStamp: 14 });
  assert.deepEqual(stamps(table.byTimestamp()), [1, 2, 4, 6, 7, 8, 9, 10, 11, 13, 14]);
  assert.deepEqual(stamps(table.byTimestamp(8)), [8, 9, 10, 11, 13, 14]);
  assert.deepEqual(stamps(table.byTimestamp(12)), [13, 14]);
  assert.deepEqual(stamps(table.byTimestamp(15)), []);
  assert.equal(table.get(['S000003'])!.TimeStamp, 14);
});

test('a keyset page in TimeStamp order generates about its own rows, not the table', () => {
  const base = countingBase(100_000);
  const table = createTable(ApSupplier, base);
  const query = parseQuery(
    [
      ['$filter', "(TimeStamp gt 50000) or ((TimeStamp eq 50000) and (Supplier gt 'S050000'))"],
      ['$orderby', 'TimeStamp,Supplier'],
      ['$top', '1000'],
    ],
    ApSupplier,
  );
  const before = base.generated();
  const result = runQuery(table, query, 5000);
  assert.deepEqual(stamps(result.rows), Array.from({ length: 1000 }, (_, i) => 50_001 + i));
  // The row at the bound (TimeStamp eq 50000), the page and the row that tells there is more:
  // nothing before the bound is generated.
  assert.ok(base.generated() - before <= 1002, `generated ${base.generated() - before} rows`);
});

test('TimeStamp-ordered pages equal a sort of the filtered table, after writes', () => {
  const store = createSysproStore({ company: 'T', seed: 5, sizes: { suppliers: 300, purchaseOrders: 0, maxLinesPerOrder: 1, invoices: 0, maxDistributionsPerInvoice: 1, glAccounts: 1, costCentres: 1 } });
  for (const n of [7, 250, 3, 7, 120]) store.update('ApSupplier', [`S${String(n).padStart(6, '0')}`], { SupplierName: `renamed ${n}` });
  store.insert('ApSupplier', { Supplier: 'S000000Z', SupplierName: 'new one' });
  const table = store.table('ApSupplier');
  const all = [...table.scan()].sort((a, b) => (a[TIMESTAMP] as number) - (b[TIMESTAMP] as number));
  // Keyset paging as the poller does it: after the last row's (TimeStamp, Supplier).
  const seen: Row[] = [];
  let last: Row | undefined;
  for (;;) {
    const filter = last === undefined ? [] : ([['$filter', `(TimeStamp gt ${last[TIMESTAMP]}) or ((TimeStamp eq ${last[TIMESTAMP]}) and (Supplier gt '${last.Supplier}'))`]] as Array<[string, string]>);
    const page = runQuery(table, parseQuery([...filter, ['$orderby', 'TimeStamp,Supplier'], ['$top', '40']], ApSupplier), 5000).rows;
    if (page.length === 0) break;
    seen.push(...page);
    last = page.at(-1);
  }
  assert.deepEqual(seen.map((r) => r.Supplier), all.map((r) => r.Supplier));
  assert.equal(seen.length, 301);
  assert.deepEqual(seen.at(-1)!.Supplier, 'S000000Z');
});

test("a re-read of some orders' lines ('PurchaseOrder eq … or …') looks them up instead of scanning", () => {
  const store = createSysproStore({ company: 'T', seed: 5, sizes: { suppliers: 20, purchaseOrders: 2000, maxLinesPerOrder: 5, invoices: 0, maxDistributionsPerInvoice: 1, glAccounts: 4, costCentres: 2 } });
  store.update('PorMasterDetail', ['000000000000007', 1], { MStockDes: 'changed' });
  const table = store.table('PorMasterDetail');
  const orders = ['000000000001500', '000000000000007', '000000000000042', 'not-an-order'];
  const filter = orders.map((po) => `PurchaseOrder eq '${po}'`).join(' or ');
  const query = parseQuery([['$filter', filter], ['$orderby', 'PurchaseOrder,Line']], PorMasterDetail);
  const got = runQuery(table, query, 5000).rows;
  const want = [...table.scan()].filter((r) => orders.includes(r.PurchaseOrder as string));
  assert.deepEqual(got.map((r) => [r.PurchaseOrder, r.Line, r.MStockDes]), want.map((r) => [r.PurchaseOrder, r.Line, r.MStockDes]));
  assert.ok(got.some((r) => r.MStockDes === 'changed'));
  // Letters in a literal compare case-insensitively: the same rows through the scan.
  const mixed = parseQuery([['$filter', "PurchaseOrder eq '000000000000042' or PurchaseOrder eq 'abc'"], ['$orderby', 'PurchaseOrder,Line']], PorMasterDetail);
  assert.deepEqual(runQuery(table, mixed, 5000).rows.map((r) => r.Line), want.filter((r) => r.PurchaseOrder === '000000000000042').map((r) => r.Line));
});
