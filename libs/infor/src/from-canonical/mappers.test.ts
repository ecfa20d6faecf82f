import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InvoiceData, PurchaseOrderData, SupplierData } from '@mlc/events';
import { DEFAULT_INFOR_MAPPING, InforMapping } from '../mapping.js';
import { invoicePoNumbers, toM3Invoice, type M3OrderLines } from './invoice.js';
import { isTransferablePurchaseOrder, toM3PurchaseOrder } from './purchase-order.js';
import { m3SupplierUpdate, toM3Supplier } from './supplier.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8'));
const supplier = () => SupplierData.parse(fixture('supplier.json'));
const po = () => PurchaseOrderData.parse(fixture('purchase-order.json'));
const invoice = () => InvoiceData.parse(fixture('invoice.json'));
const ORDERS: M3OrderLines = new Map([['PO-1000123', { puno: '4000011', lines: new Set(['1', '2']) }]]);

test('supplier → CRS620MI fields: name cut to 36, payment terms translated, tax id as VRNO', () => {
  const mapping = InforMapping.parse({ supplier: { paymentTerms: { 'Net 30': 'N30' } } });
  const result = toM3Supplier(supplier(), mapping);
  assert.ok(result.ok);
  assert.deepEqual(result.value, fixture('supplier.m3.json'));
});

test('supplier status and bank fields follow the mapping', () => {
  const mapping = InforMapping.parse({ supplier: { paymentTerms: { 'Net 30': 'N30' }, status: { 'on-hold': '50' }, bankFields: { iban: 'BKID' } } });
  const result = toM3Supplier({ ...supplier(), status: 'on-hold' }, mapping);
  assert.ok(result.ok);
  assert.equal(result.value.STAT, '50');
  assert.equal(result.value.BKID, 'US00ACME');
});

test('supplier codes that do not fit M3 are unmappable, naming the field', () => {
  for (const [data, field] of [
    [{ ...supplier(), number: 'SUPPLIER-NUMBER-11' }, 'SUNO'],
    [supplier(), 'TEPY'],
    [{ ...supplier(), paymentTerms: undefined, taxId: 'X'.repeat(17) }, 'VRNO'],
  ] as const) {
    const result = toM3Supplier(data, DEFAULT_INFOR_MAPPING);
    assert.ok(!result.ok);
    assert.equal(result.error.code, 'MLC_MAPPING_FAILED');
    assert.equal(result.error.context.field, field);
  }
});

test('purchase order → PPS370MI head + lines; free-text lines take the default item', () => {
  const mapping = InforMapping.parse({ purchaseOrder: { defaultItem: 'SERVICE' } });
  const result = toM3PurchaseOrder(po(), mapping);
  assert.ok(result.ok);
  assert.deepEqual(result.value, fixture('purchase-order.m3.json'));
});

test('GL account and cost centre go to the configured line fields, translated', () => {
  const mapping = InforMapping.parse({
    purchaseOrder: { defaultItem: 'SERVICE', lineNumberFactor: 10, accountFields: { glAccount: 'AIT1', costCentre: 'AIT2' }, costCentres: { 'CC-10': '1010' } },
  });
  const result = toM3PurchaseOrder(po(), mapping);
  assert.ok(result.ok);
  assert.deepEqual(result.value.lines.map((l) => [l.PNLI, l.AIT1, l.AIT2]), [['10', '6000-100', '1010'], ['20', '6100-200', 'CC-20']]);
});

test('a PO line without item code and without a default item is unmappable', () => {
  const result = toM3PurchaseOrder(po(), DEFAULT_INFOR_MAPPING);
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'MLC_MAPPING_FAILED');
  assert.deepEqual([result.error.context.lineNumber, result.error.context.field], [2, 'ITNO']);
});

test('only approved and issued POs go to M3 by default', () => {
  const transferable = (['draft', 'open', 'approved', 'issued', 'received', 'closed', 'cancelled'] as const).filter((status) =>
    isTransferablePurchaseOrder({ status }, DEFAULT_INFOR_MAPPING),
  );
  assert.deepEqual(transferable, ['approved', 'issued']);
});

test('invoice → APS450MI head + PO-matched lines (a line without its own PO number uses the header one)', () => {
  assert.deepEqual(invoicePoNumbers(invoice()), ['PO-1000123']);
  const result = toM3Invoice(invoice(), ORDERS, DEFAULT_INFOR_MAPPING);
  assert.ok(result.ok);
  assert.deepEqual(result.value, fixture('invoice.m3.json'));
});

test('an invoice line that matches no M3 PO line is unmappable, with the reason', () => {
  const data = invoice();
  const cases: Array<[InvoiceData, string]> = [
    [{ ...data, lines: [data.lines[0]!, { ...data.lines[1]!, poLineNumber: 3 }] }, 'po-line-not-in-m3'],
    [{ ...data, poNumber: undefined, lines: [data.lines[0]!, data.lines[1]!] }, 'no-po-line'],
    [{ ...data, lines: [{ ...data.lines[0]!, poNumber: 'PO-OTHER' }] }, 'po-not-in-m3'],
  ];
  for (const [input, reason] of cases) {
    const result = toM3Invoice(input, ORDERS, DEFAULT_INFOR_MAPPING);
    assert.ok(!result.ok, reason);
    assert.equal(result.error.code, 'MLC_MAPPING_FAILED');
    assert.equal(result.error.context.reason, reason);
  }
});

test('transaction names are configurable as PROGRAM/Transaction', () => {
  const mapping = InforMapping.parse({ transactions: { addPoHead: 'PPS200MI/AddHead' } });
  assert.deepEqual(mapping.transactions.addPoHead, { program: 'PPS200MI', transaction: 'AddHead' });
  assert.deepEqual(mapping.transactions.addInvoiceHead, { program: 'APS450MI', transaction: 'AddHead' });
  assert.equal(InforMapping.safeParse({ transactions: { addPoHead: 'nonsense' } }).success, false);
});

test('parsing a parsed mapping gives the same mapping', () => {
  const once = InforMapping.parse({ purchaseOrder: { defaultItem: 'SERVICE' }, transactions: { addPoHead: 'PPS200MI/AddHead' } });
  assert.deepEqual(InforMapping.parse(once), once);
});

test('m3SupplierUpdate sends SUNO, the mapping constants and the fields of the given groups only (UpdSupplier keeps the rest)', () => {
  const mapping = InforMapping.parse({ supplier: { paymentTerms: { 'Net 30': 'N30' }, bankFields: { iban: 'BKID' } } });
  const whole = toM3Supplier({ ...supplier(), bank: { iban: 'SE00' } }, mapping);
  assert.ok(whole.ok);
  assert.deepEqual(m3SupplierUpdate(whole.value, ['contact'], mapping), { SUNO: 'ACME01', PHNO: '+1 555 0100' });
  assert.deepEqual(m3SupplierUpdate(whole.value, ['paymentTerms', 'bank'], mapping), { SUNO: 'ACME01', TEPY: 'N30', BKID: 'SE00' });
});
