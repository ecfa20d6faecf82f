import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MlcError } from '@mlc/errors';
import { orderLinesOf, resolveOrderLineNumbers, type OrderLine } from './order-lines.js';
import { memoryOrderLineIndex } from './test-support.js';

const invoice = (lines: Record<string, unknown>[]) => ({ 'invoice-number': 'I1', 'invoice-lines': lines });

test('order lines of a PO: ids with their line numbers, malformed entries skipped', () => {
  const po = { 'order-lines': [{ id: 5, 'line-num': 1 }, { id: 6, 'line-num': '2' }, { id: 'x', 'line-num': 3 }, { id: 7 }, null] };
  assert.deepEqual(orderLinesOf(po), [{ id: 5, lineNum: 1 }, { id: 6, lineNum: 2 }]);
  assert.deepEqual(orderLinesOf('nope'), []);
});

test('invoice lines resolve from the index first, then from Coupa once per unknown PO', async () => {
  const index = memoryOrderLineIndex();
  await index.remember('acme', 'PO-1', [{ id: 5, lineNum: 1 }]);
  const asked: string[] = [];
  const fetchOrderLines = async (_connection: string, poNumber: string): Promise<OrderLine[] | undefined> => {
    asked.push(poNumber);
    return poNumber === 'PO-2' ? [{ id: 8, lineNum: 3 }, { id: 9, lineNum: 4 }] : undefined;
  };
  const lines = [
    { 'order-line-id': 5, 'po-number': 'PO-1' },
    { 'order-line-id': 8, 'po-number': 'PO-2' },
    { 'order-line-id': 9, 'po-number': 'PO-2' },
    { 'order-line-id': 11, 'po-number': 'PO-404' },
    { 'order-line-id': 12, 'order-line-num': 7, 'po-number': 'PO-3' },
    { description: 'no PO' },
  ];
  const resolved = await resolveOrderLineNumbers({ connection: 'acme', invoice: invoice(lines), index, fetchOrderLines });
  assert.deepEqual([...resolved].sort(), [[5, 1], [8, 3], [9, 4]]);
  assert.deepEqual(asked, ['PO-2', 'PO-404'], 'one call per PO the index does not know; none for lines with order-line-num');
  assert.deepEqual([...(await index.lookup('acme', [8, 9]))], [[8, 3], [9, 4]], 'what Coupa answered is remembered');
});

test('a failing Coupa lookup fails the resolution (retriable), so the call-out is retried', async () => {
  const fetchOrderLines = async () => {
    throw new MlcError('MLC_HTTP_SERVER_ERROR', 'coupa 503');
  };
  await assert.rejects(
    resolveOrderLineNumbers({ connection: 'acme', invoice: invoice([{ 'order-line-id': 1, 'po-number': 'PO-1' }]), index: memoryOrderLineIndex(), fetchOrderLines }),
    (error: unknown) => (error as MlcError).retriable,
  );
});
