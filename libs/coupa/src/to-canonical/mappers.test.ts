import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { contentHashOf, type SupplierData } from '@mlc/events';
import { toCoupaSupplier } from '../from-canonical/supplier.js';
import { CoupaMapping, DEFAULT_COUPA_MAPPING } from '../mapping.js';
import { toCanonicalInvoice } from './invoice.js';
import { toCanonicalPurchaseOrder } from './purchase-order.js';
import { toCanonicalSupplier } from './supplier.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/inbound/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const TERMS = CoupaMapping.parse({ supplier: { paymentTerms: { '30': 'Net 30' } } });

test('supplier: Coupa JSON maps to the canonical supplier, terms translated back, on-hold kept', () => {
  const result = toCanonicalSupplier(fixture('supplier.json'), TERMS);
  assert.ok(result.ok);
  const { key, occurredAt, actor, data } = result.value;
  assert.deepEqual({ key, occurredAt, actor, data }, fixture('supplier.canonical.json'));
});

test('supplier: what coupa-writer wrote maps back to the same data and contentHash (echo detection)', () => {
  const written: SupplierData = {
    number: 'ACME01',
    name: 'Acme Industrial Supplies',
    status: 'on-hold',
    paymentTerms: '30',
    taxId: 'US-12-3456789',
    contact: { name: 'Mary Anne Smith', email: 'ap@acme.example', phone: '+1 555 0100' },
    address: { lines: ['1 Main St', 'Suite 4', 'Building 7'], city: 'Springfield', region: 'IL', postalCode: '62701', country: 'US' },
  };
  const request = toCoupaSupplier(written, TERMS);
  assert.ok(request.ok);
  const stored = { ...request.value, id: 42, 'created-at': '2026-11-20T09:00:00Z', 'updated-at': '2026-11-20T09:00:01Z', 'payment-method': null };
  const result = toCanonicalSupplier(stored, TERMS);
  assert.ok(result.ok);
  assert.deepEqual(result.value.data, written);
  assert.equal(contentHashOf(result.value.data), contentHashOf(written));
});

test('supplier: ambiguous payment-term mappings keep the Coupa code; inactive and onboarding are inactive', () => {
  const mapping = CoupaMapping.parse({ supplier: { paymentTerms: { '30': 'Net 30', N30: 'Net 30' } } });
  for (const [status, onHold, expected] of [['inactive', true, 'inactive'], ['onboarding', false, 'inactive'], ['active', false, 'active']] as const) {
    const result = toCanonicalSupplier({ ...fixture('supplier.json'), status, 'on-hold': onHold }, mapping);
    assert.ok(result.ok);
    assert.equal(result.value.data.status, expected);
    assert.equal(result.value.data.paymentTerms, 'Net 30');
  }
});

test('supplier: no number is a mapping failure naming the record and field', () => {
  const result = toCanonicalSupplier({ ...fixture('supplier.json'), number: null }, DEFAULT_COUPA_MAPPING);
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'MLC_MAPPING_FAILED');
  assert.equal(result.error.context.coupaId, 42);
  assert.equal(result.error.context.field, 'number');
});

test('wire: decimals as numbers, missing keys and non-objects fail at the wire stage with the paths', () => {
  const po = fixture('purchase-order.json');
  const lines = po['order-lines'] as Record<string, unknown>[];
  const result = toCanonicalPurchaseOrder({ ...po, 'order-lines': [{ ...lines[0], price: 45 }] }, DEFAULT_COUPA_MAPPING);
  assert.ok(!result.ok);
  assert.equal(result.error.code, 'MLC_MAPPING_FAILED');
  assert.equal(result.error.context.stage, 'wire');
  assert.equal(result.error.context.key, 'PO-1000123');
  assert.deepEqual(result.error.context.paths, ['order-lines.0.price']);

  for (const body of [null, [], 'x', {}]) {
    const r = toCanonicalInvoice(body, DEFAULT_COUPA_MAPPING);
    assert.ok(!r.ok);
    assert.equal(r.error.context.stage, 'wire');
  }
});

test('purchase order: lines sorted by number, accounts split into the mapped dimensions', () => {
  const result = toCanonicalPurchaseOrder(fixture('purchase-order.json'), DEFAULT_COUPA_MAPPING);
  assert.ok(result.ok);
  const { key, occurredAt, data } = result.value;
  assert.equal(result.value.actor, undefined);
  assert.deepEqual({ key, occurredAt, data }, fixture('purchase-order.canonical.json'));
});

test('purchase order: an account code that does not split into the mapped segments is the GL account', () => {
  const po = fixture('purchase-order.json');
  const lines = po['order-lines'] as Record<string, unknown>[];
  const result = toCanonicalPurchaseOrder({ ...po, 'order-lines': [{ ...lines[0], account: { id: 3, code: '6000-100-9' } }] }, DEFAULT_COUPA_MAPPING);
  assert.ok(result.ok);
  assert.equal(result.value.data.lines[0]!.glAccount, '6000-100-9');
  assert.equal(result.value.data.lines[0]!.costCentre, undefined);
});

test('purchase order: Coupa statuses map to canonical ones', () => {
  const expected = { draft: 'draft', buyer_hold: 'approved', supplier_hold: 'approved', issued: 'issued', closed: 'closed', soft_closed: 'closed', cancelled: 'cancelled' };
  for (const [status, canonical] of Object.entries(expected)) {
    const result = toCanonicalPurchaseOrder({ ...fixture('purchase-order.json'), status }, DEFAULT_COUPA_MAPPING);
    assert.ok(result.ok, status);
    assert.equal(result.value.data.status, canonical);
  }
});

test('purchase order: a new updated-at alone does not change the content hash', () => {
  const a = toCanonicalPurchaseOrder(fixture('purchase-order.json'), DEFAULT_COUPA_MAPPING);
  const b = toCanonicalPurchaseOrder({ ...fixture('purchase-order.json'), 'updated-at': '2026-12-01T00:00:00Z' }, DEFAULT_COUPA_MAPPING);
  assert.ok(a.ok && b.ok);
  assert.notEqual(a.value.occurredAt, b.value.occurredAt);
  assert.equal(contentHashOf(a.value.data), contentHashOf(b.value.data));
});

test('invoice: keyed by supplier/invoice number, PO lines resolved through the given order-line numbers', () => {
  const result = toCanonicalInvoice(fixture('invoice.json'), DEFAULT_COUPA_MAPPING, { orderLineNumbers: new Map([[5001, 1], [5002, 2]]) });
  assert.ok(result.ok);
  const { key, occurredAt, data } = result.value;
  assert.deepEqual({ key, occurredAt, data }, fixture('invoice.canonical.json'));
});

test('invoice: without a resolution, lines keep their PO number but no PO line number', () => {
  const result = toCanonicalInvoice(fixture('invoice.json'), DEFAULT_COUPA_MAPPING);
  assert.ok(result.ok);
  assert.deepEqual(result.value.data.lines.map((l) => [l.poNumber, l.poLineNumber]), [['PO-1000123', undefined], ['PO-1000123', undefined]]);
});

test('invoice: order-line-num on the wire wins; mixed PO numbers leave the header PO empty', () => {
  const inv = fixture('invoice.json');
  const lines = inv['invoice-lines'] as Record<string, unknown>[];
  const result = toCanonicalInvoice(
    { ...inv, status: 'disputed', 'invoice-lines': [{ ...lines[0], 'order-line-num': '7' }, { ...lines[1], 'po-number': 'PO-2' }] },
    DEFAULT_COUPA_MAPPING,
  );
  assert.ok(result.ok);
  assert.equal(result.value.data.status, 'pending');
  assert.equal(result.value.data.lines[0]!.poLineNumber, 7);
  assert.equal(result.value.data.poNumber, undefined);
});
