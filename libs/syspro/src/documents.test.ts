import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMlcError } from '@mlc/errors';
import { createDocumentReader, type DocumentLayout } from './documents.js';
import type { ODataQuery } from './odata-client.js';
import type { SysproRow } from './wire.js';

// An OData reader over in-memory entity sets. It understands the one filter shape the reader
// sends (`Col eq 'v'` terms joined by `or`) and pages each answer in twos, as a server may.
function memoryOData(sets: Record<string, SysproRow[]>) {
  const queries: { entitySet: string; filter: string | undefined; orderby: string | undefined }[] = [];
  return {
    queries,
    async *pages(entitySet: string, query: ODataQuery = {}) {
      queries.push({ entitySet, filter: query.filter?.text, orderby: query.orderby });
      const terms = [...(query.filter?.text ?? '').matchAll(/(\w+) eq '([^']*)'/g)].map(([, column, value]) => ({ column: column!, value: value! }));
      const rows = (sets[entitySet] ?? []).filter((row) => terms.some(({ column, value }) => String(row[column]).trim() === value));
      for (let i = 0; i < rows.length; i += 2) yield { rows: rows.slice(i, i + 2), url: entitySet };
    },
  };
}

const invoices: DocumentLayout = {
  headerSet: 'ApInvoice',
  lineSet: 'ApJnlDistrib',
  headerKey: ['Supplier', 'Invoice'],
  lineOwner: ['Supplier', 'Invoice'],
  lineNumber: 'EntryNumber',
};

// Supplier A and B both have an invoice numbered 100; SYSPRO pads key columns with blanks.
const sets: { ApInvoice: [SysproRow, SysproRow, SysproRow]; ApJnlDistrib: SysproRow[] } = {
  ApInvoice: [
    { Supplier: 'A  ', Invoice: '100', Amount: 1 },
    { Supplier: 'B', Invoice: '100 ', Amount: 2 },
    { Supplier: 'A', Invoice: '200', Amount: 3 },
  ],
  ApJnlDistrib: [
    { Supplier: 'A', Invoice: '100', EntryNumber: 1 },
    { Supplier: 'A', Invoice: '100', EntryNumber: 2 },
    { Supplier: 'B', Invoice: '100', EntryNumber: 1 },
    { Supplier: 'A', Invoice: '100', EntryNumber: 3 },
  ],
};

test('withLines: each header gets exactly its own lines, across pages, in header order', async () => {
  const odata = memoryOData(sets);
  const reader = createDocumentReader({ odata });
  const documents = await reader.withLines(invoices, [sets.ApInvoice[2], sets.ApInvoice[0], sets.ApInvoice[1]]);
  assert.deepEqual(
    documents.map((d) => [d.header.Amount, d.lines.map((l) => `${String(l.Supplier)}${String(l.EntryNumber)}`)]),
    [
      [3, []],
      [1, ['A1', 'A2', 'A3']],
      [2, ['B1']],
    ],
  );
  // One read of the line set, on the document number, ordered by owner and line number.
  assert.deepEqual(odata.queries, [{ entitySet: 'ApJnlDistrib', filter: "(Invoice eq '200') or (Invoice eq '100')", orderby: 'Supplier,Invoice,EntryNumber' }]);
});

test("ofLines: a changed line brings its whole document, not another supplier's document with the same number", async () => {
  const odata = memoryOData(sets);
  const documents = await createDocumentReader({ odata }).ofLines(invoices, [sets.ApJnlDistrib[1]!]);
  assert.equal(documents.length, 1);
  assert.deepEqual(documents[0]!.header, sets.ApInvoice[0]);
  assert.deepEqual(documents[0]!.lines.map((l) => l.EntryNumber), [1, 2, 3]);
  assert.deepEqual(odata.queries.map((q) => q.entitySet), ['ApInvoice', 'ApJnlDistrib']);
});

test('keys are read in chunks of chunkSize; rows with a blank key column join nothing', async () => {
  const headers = Array.from({ length: 5 }, (_, i) => ({ PurchaseOrder: `PO${i}` }));
  const lines = [...headers.map((h) => ({ PurchaseOrder: h.PurchaseOrder, Line: 1 })), { PurchaseOrder: '  ', Line: 1 }];
  const odata = memoryOData({ PorMasterHdr: headers, PorMasterDetail: lines });
  const layout: DocumentLayout = { headerSet: 'PorMasterHdr', lineSet: 'PorMasterDetail', headerKey: ['PurchaseOrder'], lineOwner: ['PurchaseOrder'], lineNumber: 'Line' };
  const documents = await createDocumentReader({ odata, chunkSize: 2 }).withLines(layout, [...headers, { PurchaseOrder: ' ' }]);
  assert.deepEqual(documents.map((d) => d.lines.length), [1, 1, 1, 1, 1, 0]);
  assert.equal(odata.queries.length, 3);
});

test('no headers or no lines: nothing is read', async () => {
  const odata = memoryOData(sets);
  const reader = createDocumentReader({ odata });
  assert.deepEqual(await reader.withLines(invoices, []), []);
  assert.deepEqual(await reader.ofLines(invoices, []), []);
  assert.equal(odata.queries.length, 0);
});

test('a chunk size that is not a positive integer is MLC_CONFIG_INVALID', () => {
  for (const chunkSize of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => createDocumentReader({ odata: memoryOData({}), chunkSize }), (e: unknown) => isMlcError(e) && e.code === 'MLC_CONFIG_INVALID');
  }
});
