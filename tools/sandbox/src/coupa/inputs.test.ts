import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hyphenateKeys } from './inputs.js';

test('hyphenateKeys: underscore names become hyphen names at any depth; a body in hyphen names is returned as is', () => {
  assert.deepEqual(hyphenateKeys({ po_number: 'P1', order_lines: [{ line_num: 1, price: '2.00' }], supplier: { number: 'S1' } }), {
    'po-number': 'P1',
    'order-lines': [{ 'line-num': 1, price: '2.00' }],
    supplier: { number: 'S1' },
  });
  const hyphenated = { 'po-number': 'P1', 'order-lines': [{ 'line-num': 1 }] };
  assert.equal(hyphenateKeys(hyphenated), hyphenated);
  assert.deepEqual(hyphenateKeys({ 'order-lines': [{ line_num: 1 }] }), { 'order-lines': [{ 'line-num': 1 }] }, 'an underscore deep inside is found');
  assert.equal(hyphenateKeys('a_b'), 'a_b', 'values are not names');
});
