import { test } from 'node:test';
import assert from 'node:assert/strict';
import { invoiceKey } from './invoice.js';

test('the invoice key puts the supplier first, so equal invoice numbers of two suppliers differ', () => {
  assert.equal(invoiceKey({ supplierNumber: 'ACME01', number: 'INV-7' }), 'ACME01/INV-7');
  assert.notEqual(invoiceKey({ supplierNumber: 'A', number: 'INV-7' }), invoiceKey({ supplierNumber: 'B', number: 'INV-7' }));
});
