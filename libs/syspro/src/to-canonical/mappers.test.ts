import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MapResult, SourceRecord } from '@mlc/events';
import { ApInvoiceRow, ApSupplierRow, GenMasterRow, ODataEnvelope, PorMasterDetailRow, PorMasterHdrRow, type SysproRow } from '../wire.js';
import { SysproMapping } from './mapping.js';
import { toCanonicalSupplier } from './supplier.js';
import { toCanonicalPurchaseOrder } from './purchase-order.js';
import { toCanonicalInvoice } from './invoice.js';
import { toCanonicalGlAccount } from './gl-account.js';
import { toCanonicalCostCentre } from './cost-centre.js';

function fixture(name: string): SysproRow[] {
  const json: unknown = JSON.parse(readFileSync(join(import.meta.dirname, '../../test/fixtures', name), 'utf8'));
  return ODataEnvelope.parse(json).value;
}

function ok<T>(result: MapResult<SourceRecord<T>>): SourceRecord<T> {
  if (!result.ok) assert.fail(`expected ok, got ${result.error.code}: ${result.error.message} ${JSON.stringify(result.error.context)}`);
  return result.value;
}

function errorOf<T>(result: MapResult<T>): { code: string; context: Record<string, unknown> } {
  if (result.ok) return assert.fail('expected a mapping failure');
  return result.error;
}

const mapping = SysproMapping.parse({
  defaultCurrency: 'GBP',
  supplier: { columns: { changedAt: 'LastChanged', actor: 'LastOperator' } },
  purchaseOrder: { header: { changedAt: 'LastChanged' } },
  invoice: { header: { balance: 'InvoiceBal', changedAt: 'LastChanged' } },
  glAccount: { columns: { inactive: 'Inactive' } },
  costCentre: { columns: { inactive: 'Closed' } },
});

test('fixtures look like SYSPRO rows', () => {
  for (const row of fixture('ap-supplier.json')) ApSupplierRow.parse(row);
  for (const row of fixture('por-master-hdr.json')) PorMasterHdrRow.parse(row);
  for (const row of fixture('por-master-detail.json')) PorMasterDetailRow.parse(row);
  for (const row of fixture('ap-invoice.json')) ApInvoiceRow.parse(row);
  for (const row of fixture('gen-master.json')) GenMasterRow.parse(row);
});

test('ApSupplier → supplier: trims char padding, blank currency is the company currency, address and contact', () => {
  const [acme, bolt, noName] = fixture('ap-supplier.json');
  assert.deepEqual(ok(toCanonicalSupplier(acme!, mapping)), {
    key: 'ACME01',
    occurredAt: '2024-01-15T10:00:00.000Z',
    actor: 'ADMIN',
    data: {
      number: 'ACME01',
      name: 'Acme Industrial Supplies',
      status: 'active',
      currency: 'GBP',
      paymentTerms: '30',
      taxId: 'GB123456789',
      contact: { name: 'Jane Doe', email: 'ap@acme.example', phone: '+44 20 7946 0000' },
      address: { lines: ['1 Foundry Lane', 'Unit 4'], postalCode: 'SW1A 1AA' },
    },
  });
  assert.deepEqual(ok(toCanonicalSupplier(bolt!, mapping)).data, {
    number: 'BOLT02',
    name: 'Bolt & Nut Wholesale',
    status: 'on-hold',
    currency: 'USD',
  });
  const failure = errorOf(toCanonicalSupplier(noName!, mapping));
  assert.equal(failure.code, 'MLC_MAPPING_FAILED');
  assert.equal(failure.context.column, 'SupplierName');
  assert.equal(failure.context.key, 'NONAME');
});

test('column overrides and an inactive flag', () => {
  const custom = SysproMapping.parse({
    defaultCurrency: 'ZAR',
    supplier: { columns: { number: 'SupCode', name: 'SupName', inactive: 'Dormant', addressLines: [] } },
  });
  const result = ok(toCanonicalSupplier({ SupCode: 'X1', SupName: 'Xenon', Dormant: 'Y', OnHold: 'Y' }, custom));
  assert.deepEqual(result.data, { number: 'X1', name: 'Xenon', status: 'inactive', currency: 'ZAR' });
  assert.equal(result.occurredAt, undefined);
  assert.equal(SysproMapping.safeParse({ defaultCurrency: 'ZAR', supplier: { columns: { name: 'Name or 1' } } }).success, false);
  assert.equal(SysproMapping.safeParse({ defaultCurrency: 'ZAR', dates: { timeZone: 'Mars/Base' } }).success, false);
});

test('PorMasterHdr + PorMasterDetail → one purchase order with sorted lines, comment lines left out', () => {
  const [po123] = fixture('por-master-hdr.json');
  const lines = fixture('por-master-detail.json');
  assert.deepEqual(ok(toCanonicalPurchaseOrder(po123!, lines, mapping)), {
    key: '000000000000123',
    occurredAt: '2024-01-15T10:00:00.000Z',
    data: {
      number: '000000000000123',
      supplierNumber: 'ACME01',
      status: 'open',
      orderDate: '2024-01-10',
      currency: 'GBP',
      buyer: 'JB',
      lines: [
        {
          lineNumber: 1,
          itemCode: 'BOLT-M8',
          description: 'M8 bolts, zinc',
          quantity: '100.000000',
          unitOfMeasure: 'EA',
          unitPrice: '0.25000',
          dueDate: '2024-01-31',
          quantityReceived: '40.000000',
        },
        {
          lineNumber: 2,
          description: 'Freight to site',
          quantity: '1',
          unitOfMeasure: 'EA',
          unitPrice: '45.5',
          dueDate: '2024-02-01',
          glAccount: '6000-100',
          quantityReceived: '0',
        },
      ],
    },
  });
  // The same PO read with its lines in another order hashes the same.
  assert.deepEqual(ok(toCanonicalPurchaseOrder(po123!, [...lines].reverse(), mapping)).data, ok(toCanonicalPurchaseOrder(po123!, lines, mapping)).data);
});

test('purchase order status: the cancelled flag wins, unknown codes fail with the code', () => {
  const [, po124, po125] = fixture('por-master-hdr.json');
  assert.equal(ok(toCanonicalPurchaseOrder(po124!, [], mapping)).data.status, 'cancelled');
  const unknown = errorOf(toCanonicalPurchaseOrder(po125!, [], mapping));
  assert.equal(unknown.code, 'MLC_MAPPING_FAILED');
  assert.equal(unknown.context.code, 'S');
  const withS = SysproMapping.parse({ defaultCurrency: 'GBP', purchaseOrder: { statuses: { S: 'draft' } } });
  assert.equal(ok(toCanonicalPurchaseOrder(po125!, [], withS)).data.status, 'draft');
});

test('purchase order lines must belong to the header, have numbers and usable quantities', () => {
  const [po123] = fixture('por-master-hdr.json');
  const base = { PurchaseOrder: '000000000000123', Line: 1, MOrderQty: 1, MPrice: 1 };
  const cases: [SysproRow[], string][] = [
    [[{ ...base, PurchaseOrder: '000000000000999' }], 'PurchaseOrder'],
    [[{ ...base, Line: null }], 'Line'],
    [[{ ...base, Line: 0 }], 'Line'],
    [[{ ...base, MOrderQty: 'lots' }], 'MOrderQty'],
    [[{ ...base, MLatestDueDate: '31/01/2024' }], 'MLatestDueDate'],
    [[base, base], 'Line'],
  ];
  for (const [lines, column] of cases) {
    const failure = errorOf(toCanonicalPurchaseOrder(po123!, lines, mapping));
    assert.equal(failure.code, 'MLC_MAPPING_FAILED', column);
    assert.equal(failure.context.column, column);
    assert.equal(failure.context.key, '000000000000123');
  }
});

test('ApInvoice without lines → a summary line with the net amount; balance 0 means paid', () => {
  const [acme, bolt] = fixture('ap-invoice.json');
  assert.deepEqual(ok(toCanonicalInvoice(acme!, [], mapping)), {
    key: 'ACME01/INV-2024-001',
    occurredAt: '2024-01-20T09:30:00.000Z',
    data: {
      number: 'INV-2024-001',
      supplierNumber: 'ACME01',
      invoiceDate: '2024-01-20',
      dueDate: '2024-02-19',
      currency: 'GBP',
      status: 'posted',
      poNumber: '000000000000123',
      total: '100.1',
      taxAmount: '15.01',
      lines: [{ lineNumber: 1, description: 'Invoice INV-2024-001', quantity: '1', unitPrice: '85.09', amount: '85.09', poNumber: '000000000000123' }],
    },
  });
  const paid = ok(toCanonicalInvoice(bolt!, fixture('ap-invoice-lines.json'), mapping)).data;
  assert.equal(paid.status, 'paid');
  assert.deepEqual(paid.lines, [
    { lineNumber: 1, description: 'Bolts', quantity: '100', unitPrice: '2.00', amount: '200.00', poNumber: '000000000000124', poLineNumber: 1 },
    { lineNumber: 2, description: 'Nuts', quantity: '10', unitPrice: '5', amount: '50', glAccount: '6000-200' },
  ]);
});

test('dates with a zone are converted to the company zone before their calendar date is taken', () => {
  const [, bolt] = fixture('ap-invoice.json');
  assert.equal(ok(toCanonicalInvoice(bolt!, [], mapping)).data.invoiceDate, '2024-01-21');
  const auckland = SysproMapping.parse({ defaultCurrency: 'NZD', dates: { timeZone: 'Pacific/Auckland' }, invoice: { header: { changedAt: 'InvoiceDate' } } });
  const mapped = ok(toCanonicalInvoice(bolt!, [], auckland));
  assert.equal(mapped.data.invoiceDate, '2024-01-22');
  // A zone-less wall-clock time in Auckland (UTC+13 in January) is 13 hours earlier in UTC.
  const naive = ok(toCanonicalInvoice({ ...bolt!, InvoiceDate: '2024-01-22T12:30:00' }, [], auckland));
  assert.equal(naive.data.invoiceDate, '2024-01-22');
  assert.equal(naive.occurredAt, '2024-01-21T23:30:00.000Z');
});

test('invoice status column with a code table', () => {
  const [acme] = fixture('ap-invoice.json');
  const withStatus = SysproMapping.parse({ defaultCurrency: 'GBP', invoice: { header: { status: 'InvStatus' }, statuses: { H: 'pending' } } });
  assert.equal(ok(toCanonicalInvoice({ ...acme!, InvStatus: 'H' }, [], withStatus)).data.status, 'pending');
  const failure = errorOf(toCanonicalInvoice({ ...acme!, InvStatus: 'Z' }, [], withStatus));
  assert.equal(failure.code, 'MLC_MAPPING_FAILED');
  assert.equal(failure.context.code, 'Z');
  assert.equal(failure.context.invoice, 'INV-2024-001');
});

test('GenMaster → GL account; unknown type codes leave the type out', () => {
  const [freight, bank, stats] = fixture('gen-master.json');
  assert.deepEqual(ok(toCanonicalGlAccount(freight!, mapping)), {
    key: '6000-100',
    data: { code: '6000-100', description: 'Freight inwards', accountType: 'expense', active: true },
  });
  assert.deepEqual(ok(toCanonicalGlAccount(bank!, mapping)).data, { code: '1000', description: 'Bank', accountType: 'asset', active: false });
  assert.deepEqual(ok(toCanonicalGlAccount(stats!, mapping)).data, { code: '9999', description: 'Stats', active: true });
  assert.equal(errorOf(toCanonicalGlAccount({ GlCode: { nested: true } }, mapping)).code, 'MLC_MAPPING_FAILED');
});

test('cost centre rows → cost centres', () => {
  const [warehouse, closed] = fixture('cost-centre.json');
  assert.deepEqual(ok(toCanonicalCostCentre(warehouse!, mapping)).data, { code: 'CC100', description: 'Warehouse', active: true });
  assert.deepEqual(ok(toCanonicalCostCentre(closed!, mapping)).data, { code: 'CC200', description: '', active: false });
  assert.equal(errorOf(toCanonicalCostCentre({}, mapping)).code, 'MLC_MAPPING_FAILED');
});
