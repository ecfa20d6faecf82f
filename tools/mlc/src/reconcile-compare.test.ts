import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SyncSettings } from '@mlc/config';
import type { PurchaseOrderData, SupplierData } from '@mlc/events';
import { compareSides, counterpartKeys, fieldDiffs, masked, mergeRecords, supplierFields, type SideRecord } from './reconcile-compare.js';

const supplier = (number: string, over: Partial<SupplierData> = {}): SideRecord<'supplier'> => ({
  key: number,
  data: { number, name: `Supplier ${number}`, status: 'active', paymentTerms: '30', taxId: 'VAT-1', contact: { email: 'a@example.com' }, ...over },
});
const order = (number: string, lines: PurchaseOrderData['lines'], over: Partial<PurchaseOrderData> = {}): SideRecord<'purchase-order'> => ({
  key: number,
  data: { number, supplierNumber: 'S1', status: 'open', orderDate: '2026-11-20', currency: 'USD', lines, ...over },
});
const line = (lineNumber: number, over: Partial<PurchaseOrderData['lines'][number]> = {}) => ({ lineNumber, description: `Item ${lineNumber}`, quantity: '2.000000', unitPrice: '1.50', ...over });
const policy = { goneFromSource: 'deactivate' as const };

test('suppliers: identical, source only, target only (active: deactivate; inactive: already deactivated), different with both values', () => {
  const source = [supplier('A'), supplier('B'), supplier('C', { name: 'Right' })];
  const target = [supplier('A'), supplier('C', { name: 'Edited', taxId: 'VAT-2' }), supplier('D'), supplier('E', { status: 'inactive' })];
  const result = compareSides('supplier', source, target, policy);
  assert.deepEqual(result.compared, { source: 3, target: 4 });
  assert.equal(result.identical, 1);
  assert.equal(result.deactivated, 1);
  assert.deepEqual(
    result.drift.map((d) => [d.key, d.category, d.repair, d.fields]),
    [
      ['B', 'source-only', 'republish', []],
      [
        'C',
        'different',
        'republish',
        [
          { field: 'name', source: 'Right', target: 'Edited' },
          { field: 'taxId', source: 'VAT-1', target: 'VAT-2' },
        ],
      ],
      ['D', 'target-only', 'deactivate', [{ field: 'status', source: null, target: 'active' }]],
    ],
  );
  assert.match(result.drift[1]!.reason, /differs in name, taxId .*repair: republish from SYSPRO/);
});

test('suppliers: what Coupa does not hold (currency, bank) is not drift; report-only policy; fields Coupa owns are not compared', () => {
  const source = [supplier('A', { currency: 'EUR', bank: { iban: 'DE89370400440532013000' } }), supplier('B', { name: 'ERP name' })];
  const target = [supplier('A'), supplier('B', { name: 'Coupa name' }), supplier('Z')];
  const coupaOwnsName = SyncSettings.parse({ supplier: { owners: { name: 'coupa' } } });
  const result = compareSides('supplier', source, target, { goneFromSource: 'report', sync: coupaOwnsName });
  assert.equal(result.identical, 2);
  assert.deepEqual(result.drift.map((d) => [d.key, d.category, d.repair]), [['Z', 'target-only', 'report']]);
  assert.ok(!supplierFields(coupaOwnsName).includes('name'));
  assert.ok(!supplierFields(undefined).some((f) => f.startsWith('bank.') || f === 'currency'));
});

test('purchase orders: decimals compare by value, ERP states map to Coupa\'s, a removed line is one difference', () => {
  const source = [order('P1', [line(1), line(2)]), order('P2', [line(1)])];
  const target = [order('P1', [line(1, { quantity: '2.0' }), line(2, { unitPrice: '1.5' })], { status: 'issued' }), order('P2', [line(1), line(3)])];
  const result = compareSides('purchase-order', source, target, policy);
  assert.equal(result.identical, 1);
  assert.deepEqual(result.drift.map((d) => [d.key, d.category, d.fields]), [['P2', 'different', [{ field: 'lines.3', source: null, target: { description: 'Item 3', quantity: '2', unitPrice: '1.5' } }]]]);
  const gone = compareSides('purchase-order', [], [order('P9', [line(1)])], policy);
  assert.deepEqual(gone.drift.map((d) => [d.key, d.category, d.repair]), [['P9', 'target-only', 'report']], 'orders gone from the ERP are only reported');
});

test('field differences are masked where the field names a secret or bank detail', () => {
  assert.equal(masked('bank.iban', 'DE89370400440532013000'), '[redacted]');
  assert.equal(masked('bank.accountNumber', '12345678'), '[redacted]');
  assert.equal(masked('name', 'Acme'), 'Acme');
  assert.equal(masked('contact.email', undefined), null);
  const diffs = fieldDiffs(new Map([['bank.iban', 'DE89370400440532013000']]), new Map([['bank.iban', 'GB29NWBK60161331926819']]));
  assert.deepEqual(diffs, [{ field: 'bank.iban', source: '[redacted]', target: '[redacted]' }]);
  assert.ok(!JSON.stringify(diffs).includes('DE89'), 'no bank detail in the report');
});

test('lines sort by number (lines.2 before lines.10)', () => {
  const diffs = fieldDiffs(new Map([['lines.10.quantity', '1'], ['lines.2.quantity', '1']]), new Map([['lines.10.quantity', '3'], ['lines.2.quantity', '3']]));
  assert.deepEqual(diffs.map((d) => d.field), ['lines.2.quantity', 'lines.10.quantity']);
});

test('--since: the keys each side changed that the other did not read are looked up there; a merge keeps one record per key', () => {
  assert.deepEqual(counterpartKeys(['S-10', 'S-2', 'S-3'], ['S-3', 'S-4']), { fromSource: ['S-4'], fromTarget: ['S-2', 'S-10'] });
  assert.deepEqual(counterpartKeys([], []), { fromSource: [], fromTarget: [] });
  assert.deepEqual(counterpartKeys(['A'], ['A']), { fromSource: [], fromTarget: [] });
  const a = { key: 'A', data: { n: 1 } } as unknown as SideRecord;
  const a2 = { key: 'A', data: { n: 2 } } as unknown as SideRecord;
  const b = { key: 'B', data: { n: 3 } } as unknown as SideRecord;
  assert.deepEqual(mergeRecords([a, b], [a2]), [a2, b]);
});
