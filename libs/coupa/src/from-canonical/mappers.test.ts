import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InvoiceData, PurchaseOrderData, SupplierData } from '@mlc/events';
import { CoupaMapping, DEFAULT_COUPA_MAPPING } from '../mapping.js';
import { toCoupaInvoice } from './invoice.js';
import { toCoupaLookupValue } from './lookup-value.js';
import { toCoupaPurchaseOrder } from './purchase-order.js';
import { coupaSupplierUpdate, toCoupaSupplier } from './supplier.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8'));

test('supplier maps to the Coupa body, with payment terms translated and on-hold flagged', () => {
  const mapping = CoupaMapping.parse({ supplier: { paymentTerms: { '30': 'Net 30' } } });
  const result = toCoupaSupplier(SupplierData.parse(fixture('supplier.json')), mapping);
  assert.ok(result.ok);
  assert.deepEqual(result.value, fixture('supplier.coupa.json'));
});

test('supplier without optional parts maps to a minimal body', () => {
  const result = toCoupaSupplier({ number: 'B2', name: 'Bolt Co', status: 'inactive' }, DEFAULT_COUPA_MAPPING);
  assert.ok(result.ok);
  assert.deepEqual(result.value, { name: 'Bolt Co', 'display-name': 'Bolt Co', number: 'B2', status: 'inactive', 'on-hold': false, 'po-method': 'prompt' });
});

test('purchase order maps header and lines with account segments', () => {
  const result = toCoupaPurchaseOrder(PurchaseOrderData.parse(fixture('purchase-order.json')), DEFAULT_COUPA_MAPPING);
  assert.ok(result.ok);
  assert.deepEqual(result.value, fixture('purchase-order.coupa.json'));
});

test('a PO line without a mapped dimension cannot be mapped, and says which', () => {
  const po = PurchaseOrderData.parse(fixture('purchase-order.json'));
  const broken = { ...po, lines: [po.lines[0]!, { ...po.lines[1]!, costCentre: undefined }] };
  const result = toCoupaPurchaseOrder(broken, DEFAULT_COUPA_MAPPING);
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'MLC_MAPPING_FAILED');
  assert.deepEqual(result.error.context, { poNumber: 'PO-1000123', lineNumber: 2, missing: 'costCentre' });
});

test('segment order follows the mapping', () => {
  const mapping = CoupaMapping.parse({ account: { chartOfAccounts: 'US COA', segments: ['costCentre', 'glAccount'], codeSeparator: '.' } });
  const result = toCoupaPurchaseOrder(PurchaseOrderData.parse(fixture('purchase-order.json')), mapping);
  assert.ok(result.ok);
  assert.deepEqual(result.value['order-lines'][0]!.account, { code: 'CC-10.6000-100', 'account-type': { name: 'US COA' }, 'segment-1': 'CC-10', 'segment-2': '6000-100' });
});

test('PO statuses: open/approved/received are issued in Coupa', () => {
  const po = PurchaseOrderData.parse(fixture('purchase-order.json'));
  for (const [status, expected] of [['draft', 'draft'], ['approved', 'issued'], ['received', 'issued'], ['closed', 'closed'], ['cancelled', 'cancelled']] as const) {
    const result = toCoupaPurchaseOrder({ ...po, status }, DEFAULT_COUPA_MAPPING);
    assert.ok(result.ok);
    assert.equal(result.value.status, expected);
  }
});

test('invoice lines match PO lines, or are coded to an account', () => {
  const invoice = InvoiceData.parse({
    number: 'INV-9',
    supplierNumber: 'ACME01',
    invoiceDate: '2026-11-10',
    dueDate: '2026-12-10',
    currency: 'USD',
    status: 'posted',
    poNumber: 'PO-1000123',
    total: '70.00',
    taxAmount: '0.00',
    lines: [
      { lineNumber: 1, description: 'M8 bolts', quantity: '100', unitPrice: '0.25', amount: '25.00', poLineNumber: 1 },
      { lineNumber: 2, description: 'Handling', quantity: '1', unitPrice: '45.00', amount: '45.00', glAccount: '6100-000', costCentre: 'CC-10' },
    ],
  });
  const result = toCoupaInvoice(invoice, DEFAULT_COUPA_MAPPING);
  assert.ok(result.ok);
  assert.deepEqual(result.value['invoice-lines'][0], {
    'line-num': 1, description: 'M8 bolts', quantity: '100', price: '0.25', total: '25.00', 'order-header-num': 'PO-1000123', 'order-line-num': '1',
  });
  assert.deepEqual(result.value['invoice-lines'][1]!.account, { code: '6100-000-CC-10', 'account-type': { name: 'Default' }, 'segment-1': '6100-000', 'segment-2': 'CC-10' });
  assert.equal(result.value['payment-due-date'], '2026-12-10');

  const uncoded = toCoupaInvoice({ ...invoice, poNumber: undefined, lines: [{ ...invoice.lines[1]!, glAccount: undefined }] }, DEFAULT_COUPA_MAPPING);
  assert.ok(!uncoded.ok);
  assert.equal(uncoded.error.code, 'MLC_MAPPING_FAILED');
});

test('GL accounts and cost centres become lookup values keyed by external-ref-num', () => {
  const gl = toCoupaLookupValue('gl-account', { code: '6000-100', description: 'Fasteners', active: true }, DEFAULT_COUPA_MAPPING);
  assert.ok(gl.ok);
  assert.deepEqual(gl.value, { name: '6000-100 - Fasteners', description: 'Fasteners', 'external-ref-num': '6000-100', active: true, lookup: { name: 'GL Accounts' } });
  const cc = toCoupaLookupValue('cost-centre', { code: 'CC-10', description: '', active: false }, CoupaMapping.parse({ lookups: { costCentre: 'Departments' } }));
  assert.ok(cc.ok);
  assert.deepEqual(cc.value, { name: 'CC-10', description: '', 'external-ref-num': 'CC-10', active: false, lookup: { name: 'Departments' } });
});

test('coupaSupplierUpdate keeps the keys of the given field groups, the number and the mapping settings', () => {
  const body = toCoupaSupplier({ number: 'S1', name: 'Acme', status: 'on-hold', taxId: 'T1', contact: { email: 'a@b' } }, DEFAULT_COUPA_MAPPING);
  assert.ok(body.ok);
  const update = coupaSupplierUpdate(body.value, ['contact']);
  assert.deepEqual(Object.keys(update).sort(), ['invoice-matching-level', 'number', 'po-method', 'primary-contact'].filter((k) => k in body.value).sort());
  assert.deepEqual(Object.keys(coupaSupplierUpdate(body.value, ['name', 'status'])).filter((k) => !['number', 'po-method', 'invoice-matching-level'].includes(k)).sort(), ['display-name', 'name', 'on-hold', 'status']);
});
